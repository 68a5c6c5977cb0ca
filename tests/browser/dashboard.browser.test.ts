/**
 * The dashboard in real headless Chromium. Runs against services/api when
 * DOWNRADAR_BROWSER_BASE_URL is set (after the fb-2021-10-04 replay), otherwise against
 * fixture-api (see harness.ts). Screenshots go to test-artifacts/browser/; with
 * DOWNRADAR_UPDATE_SCREENSHOTS=1 the service page is also written to
 * docs/screenshots/service-facebook.png for the README (story.browser.test.ts writes the board
 * and incident ones).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { CurveResponse, IncidentsResponse, IncidentResponse, ServicesResponse } from '../../schemas/api/index';
import type { IncidentEvent, ScoreEvent } from '../../schemas/events/index';
import { REPO_ROOT, startHarness, type Harness } from './harness';

const OUTAGE_FROM = Date.UTC(2021, 9, 4, 15, 0);
const OUTAGE_TO = Date.UTC(2021, 9, 4, 23, 59);
const OUTAGE_QUERY = '?from=2021-10-04T15:00:00Z&to=2021-10-04T23:59:00Z';
const ONSET = Date.UTC(2021, 9, 4, 15, 44);
const MINUTE = 60_000;
const LEVEL_RANK: Record<string, number> = { danger: 2, warning: 1, ok: 0 };

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  console.log(`browser tests: ${h.mode} mode against ${h.baseUrl}`);
});

afterAll(async () => {
  await h?.close();
});

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${h.baseUrl}${path}`);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

let replayChecked: Promise<void> | null = null;
/** The pages about 4 Oct 2021 need the replayed outage; say so plainly when it is missing. */
function requireOutageData(): Promise<void> {
  replayChecked ??= (async () => {
    const curve = await api<CurveResponse>(`/v1/services/facebook/curve?from=${OUTAGE_FROM}&to=${OUTAGE_TO}&step=15`);
    const total = curve.points.reduce((s, p) => s + p.reports, 0);
    if (total === 0) throw new Error(`${h.baseUrl} has no facebook reports for 2021-10-04 15:00-23:59 UTC: replay the fb-2021-10-04 scenario through the stack first`);
  })();
  return replayChecked;
}

async function attr(page: Page, selector: string, name: string): Promise<string> {
  const v = await page.locator(selector).first().getAttribute(name);
  if (v === null) throw new Error(`${selector} has no ${name}`);
  return v;
}

async function dismissBanners(page: Page): Promise<void> {
  for (const b of await page.getByRole('button', { name: 'Dismiss' }).all()) await b.click().catch(() => undefined);
}

async function noHorizontalScroll(page: Page): Promise<void> {
  const [scroll, client] = (await page.evaluate('[document.documentElement.scrollWidth, document.documentElement.clientWidth]')) as [number, number];
  expect(scroll).toBeLessThanOrEqual(client);
}

describe('board', () => {
  it('lists every tracked service as a card with its level in words, the ones in trouble first', async () => {
    const expected = await api<ServicesResponse>('/v1/services');
    const page = await h.newPage();
    await page.goto('/');
    const cards = page.getByTestId('service-card');
    await cards.first().waitFor();
    expect(await cards.count()).toBe(expected.services.length);

    const shown = (await cards.evaluateAll((els) => els.map((e) => [e.getAttribute('data-level'), Number(e.getAttribute('data-score'))]))) as [string, number][];
    for (let i = 1; i < shown.length; i++) {
      const [prevLevel, prevScore] = shown[i - 1]!;
      const [level, score] = shown[i]!;
      const order = LEVEL_RANK[prevLevel]! - LEVEL_RANK[level]! || prevScore - score;
      expect(order, `card ${i} is out of order`).toBeGreaterThanOrEqual(0);
    }
    // Every card says its level in words, not only in colour.
    const texts = await cards.allInnerTexts();
    for (const t of texts) expect(t).toMatch(/No problems|Possible problems|Problems detected/);
    // ...and draws its 24-hour sparkline.
    expect(await page.locator('[data-testid=service-card] svg.sparkline path').count()).toBeGreaterThanOrEqual(expected.services.length);

    await h.screenshot(page, 'board');

    const first = expected.services[0]!;
    await page.getByTestId('service-search').fill(first.name.slice(0, 5).toUpperCase());
    await page.waitForFunction(`document.querySelectorAll('[data-testid=service-card]').length < ${Math.max(2, expected.services.length)}`);
    const ids = await page.getByTestId('service-card').evaluateAll((els) => els.map((e) => e.getAttribute('data-service-id')));
    expect(ids).toContain(first.id);
    await page.getByTestId('service-search').fill('no-such-service-anywhere');
    await page.getByText('No service matches').waitFor();
    expect(h.errors(page)).toEqual([]);
  });

  it('applies a live score from the SSE stream to its card', async () => {
    const page = await h.newPage();
    await page.goto('/');
    await page.getByTestId('service-card').first().waitFor();
    // The stream waits for the first interaction (or 30 s): a freshly loaded page is idle.
    expect(await attr(page, '[data-testid=live-status]', 'data-status')).toBe('waiting');
    await page.keyboard.press('Shift');
    await page.locator('[data-testid=live-status][data-status=live]').waitFor({ timeout: 15_000 });

    if (h.fixture) {
      // Signal is quiet in the fixtures; a danger score arrives over the stream.
      await page.locator('[data-testid=service-card][data-service-id=signal][data-level=ok]').waitFor();
      const windowStart = Math.floor(Date.now() / MINUTE) * MINUTE;
      const score: ScoreEvent = {
        serviceId: 'signal',
        windowStart,
        windowEnd: windowStart + MINUTE,
        count: 420,
        rawCount: 455,
        expected: 0.2,
        upper: 3.5,
        score: 0.998,
        level: 'danger',
        evidence: { problems: [{ key: 'messaging', count: 300 }], countries: [], hashtags: [{ key: 'signaldown', count: 40 }], samplePostIds: [] },
        computedAt: windowStart + MINUTE + 1500,
      };
      h.fixture.broadcast('score', score);
      const card = page.locator('[data-testid=service-card][data-service-id=signal]');
      await page.locator('[data-testid=service-card][data-service-id=signal][data-level=danger]').waitFor({ timeout: 10_000 });
      expect(await card.getAttribute('data-count')).toBe('420');
      expect(await card.getAttribute('data-updated-at')).toBe(String(windowStart));
      expect(await card.innerText()).toContain('Problems detected');
      // A card in danger moves to the top group.
      const order = await page.getByTestId('service-card').evaluateAll((els) => els.map((e) => e.getAttribute('data-level')));
      expect(order.indexOf('danger')).toBe(0);

      const incident: IncidentEvent = {
        eventId: 'inc-test-signal:1',
        incidentId: 'inc-test-signal',
        seq: 1,
        type: 'opened',
        at: windowStart + MINUTE,
        emittedAt: windowStart + MINUTE + 2000,
        level: 'danger',
        startedAt: windowStart,
        services: [{ serviceId: 'signal', role: 'primary', level: 'danger', firstDangerAt: windowStart, peakScore: 0.998, peakCount: 420 }],
        summary: 'Signal: reports 2,100× the usual',
      };
      h.fixture.broadcast('incident', incident);
      await page.locator('[data-testid=incident-banner][data-incident-id=inc-test-signal]').waitFor({ timeout: 10_000 });
      await h.screenshot(page, 'board-live', { fullPage: false });
    } else {
      // The real stream: wait for a score event, optionally making traffic through ingest.
      const timeout = Number(process.env.DOWNRADAR_BROWSER_LIVE_TIMEOUT_MS ?? 120_000);
      const ingest = process.env.DOWNRADAR_BROWSER_INGEST_URL?.replace(/\/+$/, '');
      let posting = true;
      const traffic = (async () => {
        for (let i = 0; ingest && posting; i++) {
          await fetch(`${ingest}/v1/reports`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ serviceId: 'facebook', problem: 'app', reporterId: `browser-test-${Date.now()}-${i}` }),
          }).catch(() => undefined);
          await new Promise((r) => setTimeout(r, 500));
        }
      })();
      try {
        await page.waitForFunction(`document.querySelector('[data-testid=board]')?.getAttribute('data-last-live-service')`, undefined, { timeout });
      } catch (err) {
        throw new Error(
          `no score event reached the board over /v1/stream within ${timeout} ms: are the detector and services/api running with reports flowing? ` +
            `(set DOWNRADAR_BROWSER_INGEST_URL to let the test post reports${ingest ? `; it posted to ${ingest}` : ''})`,
          { cause: err },
        );
      } finally {
        posting = false;
        await traffic;
      }
      const serviceId = await attr(page, '[data-testid=board]', 'data-last-live-service');
      const windowStart = Number(await attr(page, '[data-testid=board]', 'data-last-live-window'));
      const card = page.locator(`[data-testid=service-card][data-service-id="${serviceId}"]`);
      if ((await card.count()) > 0) expect(Number(await card.getAttribute('data-updated-at'))).toBeGreaterThanOrEqual(windowStart);
      await h.screenshot(page, 'board-live', { fullPage: false });
    }
    expect(h.errors(page)).toEqual([]);
  });
});

describe('service page', () => {
  it('draws the 4 Oct 2021 facebook curve: onset near 15:44 UTC, peak far above the typical band', async () => {
    await requireOutageData();
    // Tall enough for the README's screenshot to hold the curve and the map of countries.
    const page = await h.newPage({ height: 1400 });
    await page.goto(`/service/facebook${OUTAGE_QUERY}`);
    const chart = page.locator('[data-testid=curve-chart][data-ready=true]');
    await chart.waitFor({ timeout: 30_000 });

    await page.getByRole('heading', { name: 'Reports, 4 Oct 2021, 15:00 – 4 Oct 2021, 23:59 UTC' }).waitFor();
    expect(Number(await chart.getAttribute('data-from'))).toBe(OUTAGE_FROM);
    expect(Number(await chart.getAttribute('data-to'))).toBe(OUTAGE_TO + MINUTE);
    expect(Number(await chart.getAttribute('data-points'))).toBe(36); // 15:00 .. 23:45 in 15-minute buckets

    // recharts drew the report area, the band and the threshold as SVG paths
    const areaPath = await chart.locator('path.recharts-area-area').first().getAttribute('d');
    expect(areaPath?.length ?? 0).toBeGreaterThan(100);
    expect(await chart.locator('path.recharts-curve').count()).toBeGreaterThanOrEqual(2);
    const ticks = await chart.locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents();
    expect(ticks).toEqual(expect.arrayContaining(['16:00', '18:00', '20:00', '22:00']));

    const onset = Number(await chart.getAttribute('data-onset'));
    expect(onset, 'an onset was detected').toBeGreaterThan(0);
    expect(Math.abs(onset - ONSET), `onset ${new Date(onset).toISOString()} is near 15:44 UTC`).toBeLessThanOrEqual(16 * MINUTE);
    const peak = Number(await chart.getAttribute('data-peak'));
    const peakUpper = Number(await chart.getAttribute('data-peak-upper'));
    const peakAt = Number(await chart.getAttribute('data-peak-at'));
    expect(peakUpper).toBeGreaterThan(0);
    expect(peak, `peak ${peak} vs upper band ${peakUpper}`).toBeGreaterThan(5 * peakUpper);
    expect(peakAt).toBeGreaterThan(ONSET - 15 * MINUTE);
    expect(peakAt).toBeLessThan(OUTAGE_TO);
    expect(await chart.locator('text', { hasText: /^Onset ≈ 15:[34]\d$/ }).count()).toBe(1);

    expect(await chart.getByTestId('y-unit').innerText()).toBe('Reports per 15 min');
    // the rest of the page: problems in %, countries, hashtags, posts
    await page.locator('[data-testid=breakdown-problems] li').first().waitFor();
    expect(await page.locator('[data-testid=breakdown-problems]').innerText()).toMatch(/\d+%/);
    await page.locator('[data-testid=breakdown-countries] li').first().waitFor();
    await page.locator('[data-testid=hashtags] li').first().waitFor();
    // recent posts show the language detected in their text (a post whose text says nothing, "und", shows none)
    await page.locator('[data-testid=posts] li').first().waitFor();
    const languageTags = await page.locator('[data-testid=post-language]').allTextContents();
    expect(languageTags.length).toBeGreaterThan(0);
    for (const tag of languageTags) expect(tag).toMatch(/^[a-z]{2,3}(-[A-Z][a-z]{3})?$/);

    await dismissBanners(page);
    await h.screenshot(page, 'service-facebook-full');
    const file = await h.screenshot(page, 'service-facebook', { fullPage: false });
    if (process.env.DOWNRADAR_UPDATE_SCREENSHOTS === '1') {
      mkdirSync(join(REPO_ROOT, 'docs/screenshots'), { recursive: true });
      copyFileSync(file, join(REPO_ROOT, 'docs/screenshots/service-facebook.png'));
    }
    expect(h.errors(page)).toEqual([]);
  });

  it('reads and writes times in UTC or in the viewer zone, and remembers the choice', async () => {
    await requireOutageData();
    const page = await h.newPage({ timezoneId: 'America/New_York', storage: { 'downradar.time': 'local' } });
    await page.goto(`/service/facebook${OUTAGE_QUERY}`);
    const chart = page.locator('[data-testid=curve-chart][data-ready=true]');
    await chart.waitFor({ timeout: 30_000 });
    await page.getByRole('heading', { name: 'Reports, 4 Oct 2021, 11:00 – 4 Oct 2021, 19:59 EDT' }).waitFor();
    expect(await chart.locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents()).toEqual(expect.arrayContaining(['12:00', '14:00', '16:00', '18:00']));
    // Typed and shown as year-first 24-hour times, never "10/04/2021, 11:00 AM".
    expect(await page.getByTestId('range-from').inputValue()).toBe('2021-10-04 11:00');
    expect(await chart.locator('text', { hasText: /^Onset ≈ 11:[34]\d$/ }).count()).toBe(1);

    await page.getByTestId('tz-utc').click();
    await page.getByRole('heading', { name: 'Reports, 4 Oct 2021, 15:00 – 4 Oct 2021, 23:59 UTC' }).waitFor();
    expect(await page.getByTestId('range-from').inputValue()).toBe('2021-10-04 15:00');
    expect(await page.getByTestId('range-to').inputValue()).toBe('2021-10-04 23:59');
    expect(await page.evaluate('localStorage.getItem("downradar.time")')).toBe('utc');

    // An absolute range typed in the inputs is read in the zone shown: 16:00-20:00 UTC.
    await page.getByTestId('range-from').fill('2021-10-04 16:00');
    await page.getByTestId('range-to').fill('2021-10-04T20:00');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/from=2021-10-04T16%3A00%3A00Z&to=2021-10-04T20%3A00%3A00Z/);
    await page.getByRole('heading', { name: 'Reports, 4 Oct 2021, 16:00 – 4 Oct 2021, 20:00 UTC' }).waitFor();
    expect(h.errors(page)).toEqual([]);
  });

  it('has presets, including the 4 Oct 2021 outage, and finer buckets', async () => {
    await requireOutageData();
    const page = await h.newPage();
    await page.goto('/service/facebook');
    await page.getByRole('heading', { name: 'Reports in the last 24 hours' }).waitFor();
    await page.locator('[data-testid=curve-chart], .state-empty').first().waitFor({ timeout: 30_000 });
    await page.getByTestId('preset-outage-2021').click();
    await page.waitForURL(/from=2021-10-04T15%3A00%3A00Z/);
    await page.locator('[data-testid=curve-chart][data-ready=true]').waitFor({ timeout: 30_000 });
    await page.getByLabel('Bucket size').selectOption('5');
    await page.locator('[data-testid=curve-chart][data-step-ms="300000"]').waitFor({ timeout: 30_000 });
    expect(Number(await attr(page, '[data-testid=curve-chart]', 'data-points'))).toBe(108);
    expect(await page.getByTestId('y-unit').innerText()).toBe('Reports per 5 min');
    await page.getByRole('button', { name: '6 h' }).click();
    await page.getByRole('heading', { name: 'Reports in the last 6 hours' }).waitFor();
    expect(h.errors(page)).toEqual([]);
  });

  it('says so when the service is unknown or the address is wrong', async () => {
    const page = await h.newPage();
    await page.goto('/service/no-such-service');
    await page.getByRole('alert').first().waitFor({ timeout: 30_000 });
    await page.goto('/no/such/page');
    await page.getByText('Nothing at /no/such/page').waitFor();
  });
});

describe('incident and trends pages', () => {
  async function outageIncidentId(): Promise<string> {
    const { incidents } = await api<IncidentsResponse>(`/v1/incidents?serviceId=facebook&from=${OUTAGE_FROM}&to=${OUTAGE_TO}`);
    const first = incidents[0];
    if (!first) throw new Error('no incident for facebook on 4 Oct 2021: was fb-2021-10-04 replayed?');
    return first.incidentId;
  }

  it('tells the story of the 4 Oct 2021 incident: curves on one axis, levels per service, evidence, timeline', async () => {
    await requireOutageData();
    const id = await outageIncidentId();
    const detail = await api<IncidentResponse>(`/v1/incidents/${encodeURIComponent(id)}`);
    const page = await h.newPage();
    await page.goto(`/incident/${encodeURIComponent(id)}`);
    const chart = page.locator('[data-testid=incident-chart]');
    await chart.waitFor({ timeout: 30_000 });
    expect(Number(await chart.getAttribute('data-series'))).toBe(Math.min(8, detail.incident.services.length));
    expect(await chart.locator('path.recharts-curve').count()).toBe(Math.min(8, detail.incident.services.length));

    const rows = page.locator('[data-testid=incident-services] tbody tr');
    expect(await rows.count()).toBe(detail.incident.services.length);
    const collateral = detail.incident.services.filter((s) => s.role === 'collateral').length;
    expect(await page.locator('[data-testid=incident-services] tr[data-role=collateral]').count()).toBe(collateral);
    if (collateral > 0) expect(await page.locator('[data-testid=incident-services]').innerText()).toContain('Collateral');
    const fb = detail.incident.services.find((s) => s.serviceId === 'facebook');
    if (fb?.firstWarningAt !== undefined) {
      const hhmm = new Date(fb.firstWarningAt).toISOString().slice(11, 16);
      expect(await page.locator('[data-testid=incident-services] tr[data-service-id=facebook]').innerText()).toContain(hhmm);
    }
    await page.getByTestId('measure-ratio').click();
    await page.locator('[data-testid=incident-chart][data-measure=ratio]').waitFor();
    await dismissBanners(page);
    await h.screenshot(page, 'incident');
    expect(h.errors(page)).toEqual([]);
  });

  it('lists rising hashtags with sparklines, linked to their service', async () => {
    await requireOutageData();
    const page = await h.newPage();
    // Real mode: the replayed hashtags are in 2021; fixtures answer any range.
    await page.goto(h.mode === 'real' ? `/trends${OUTAGE_QUERY}` : '/trends');
    const trend = page.getByTestId('trend');
    await trend.first().waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-testid=trend] svg.sparkline').count()).toBe(await trend.count());
    const link = page.getByTestId('trend-service-link').first();
    await link.waitFor();
    const href = await link.getAttribute('href');
    expect(href).toMatch(/^\/service\/[a-z0-9-]+$/);
    await link.click();
    await page.waitForURL(`**${href}`);
    await page.getByTestId('service-page').waitFor();
    await page.goBack();
    await page.getByTestId('trends-page').waitFor();
    await dismissBanners(page);
    await h.screenshot(page, 'trends');
    expect(h.errors(page)).toEqual([]);
  });
});

describe('layout, themes and keyboard', () => {
  it('fits a 390 px phone without sideways scrolling', async () => {
    await requireOutageData();
    const page = await h.newPage({ width: 390, height: 844 });
    await page.goto('/');
    await page.getByTestId('service-card').first().waitFor();
    await noHorizontalScroll(page);
    await h.screenshot(page, 'board-phone');
    await page.goto(`/service/facebook${OUTAGE_QUERY}`);
    await page.locator('[data-testid=curve-chart][data-ready=true]').waitFor({ timeout: 30_000 });
    await noHorizontalScroll(page);
    await h.screenshot(page, 'service-facebook-phone');
    expect(h.errors(page)).toEqual([]);
  });

  it('follows the system dark theme and switches with the toggle', async () => {
    await requireOutageData();
    const page = await h.newPage({ colorScheme: 'dark' });
    await page.goto(`/service/facebook${OUTAGE_QUERY}`);
    await page.locator('[data-testid=curve-chart][data-ready=true]').waitFor({ timeout: 30_000 });
    const bg = () => page.evaluate('getComputedStyle(document.body).backgroundColor') as Promise<string>;
    expect(await bg()).toBe('rgb(14, 17, 22)');
    await dismissBanners(page);
    await h.screenshot(page, 'service-facebook-dark', { fullPage: false });
    await page.getByTestId('theme-toggle').click(); // auto -> light
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('light');
    expect(await bg()).toBe('rgb(245, 246, 248)');
    expect(await page.evaluate('localStorage.getItem("downradar.theme")')).toBe('light');
  });

  it('can be used from the keyboard', async () => {
    const page = await h.newPage();
    await page.goto('/');
    await page.getByTestId('service-card').first().waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    const card = page.getByTestId('service-card').first();
    const id = await card.getAttribute('data-service-id');
    await card.focus();
    const outline = (await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')) as string;
    expect(outline).toBe('solid');
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/service/${id}`);
    await page.getByTestId('service-page').waitFor();
    expect(h.errors(page)).toEqual([]);
  });
});
