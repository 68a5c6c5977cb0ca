/**
 * The story of the 4 October 2021 outage as a person meets it: the board at a moment of the
 * replayed data with its incident list, the incident page's headline and timeline, the world map
 * of countries, and pages that a headless browser with a virtual-time budget renders to the end.
 * Same two modes as dashboard.browser.test.ts (the real system after the replay, or fixture-api).
 * With DOWNRADAR_UPDATE_SCREENSHOTS=1 the board and incident screenshots are written to
 * docs/screenshots/ for the README.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { BreakdownResponse, IncidentResponse, IncidentsResponse, ServicesResponse } from '../../schemas/api/index';
import { chromiumPath, REPO_ROOT, startHarness, type Harness } from './harness';

const OUTAGE_FROM = Date.UTC(2021, 9, 4, 15, 0);
const OUTAGE_TO = Date.UTC(2021, 9, 4, 23, 59);
const OUTAGE_QUERY = '?from=2021-10-04T15:00:00Z&to=2021-10-04T23:59:00Z';
/** A moment when the outage is under way. */
const DURING = '2021-10-04T17:00:00Z';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${h.baseUrl}${path}`);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * The incident facebook was in at 17:00 UTC on 4 Oct 2021, with its detail (the outage itself, not
 * an aftershock the detector may open later that evening).
 */
async function outageIncident(): Promise<IncidentResponse> {
  const { incidents } = await api<IncidentsResponse>(`/v1/incidents?serviceId=facebook&at=${DURING}&from=${OUTAGE_FROM}&status=open`);
  const first = incidents[0];
  if (!first) throw new Error(`no incident open for facebook at ${DURING} at ${h.baseUrl}: was fb-2021-10-04 replayed?`);
  return api<IncidentResponse>(`/v1/incidents/${encodeURIComponent(first.incidentId)}`);
}

async function names(): Promise<Map<string, string>> {
  const { services } = await api<ServicesResponse>('/v1/services');
  return new Map(services.map((s) => [s.id, s.name]));
}

async function dismissBanners(page: Page): Promise<void> {
  for (const b of await page.getByRole('button', { name: 'Dismiss' }).all()) await b.click().catch(() => undefined);
}

/**
 * Moves the mouse onto a point inside a country's shape (the middle of its bounding box can be in
 * another country: the United States' box holds Canada because of Alaska).
 */
async function hoverInside(page: Page, selector: string): Promise<void> {
  const point = (await page.evaluate(`(() => {
    const p = document.querySelector(${JSON.stringify(selector)});
    p.scrollIntoView({ block: 'center' });
    const b = p.getBBox();
    const m = p.getScreenCTM();
    for (let i = 1; i < 40; i++) for (let j = 1; j < 40; j++) {
      const x = b.x + (b.width * i) / 40, y = b.y + (b.height * j) / 40;
      if (!p.isPointInFill(new DOMPoint(x, y))) continue;
      const s = new DOMPoint(x, y).matrixTransform(m);
      if (document.elementFromPoint(s.x, s.y) === p) return [s.x, s.y];
    }
    return null;
  })()`)) as [number, number] | null;
  if (!point) throw new Error(`no visible point inside ${selector}`);
  await page.mouse.move(point[0], point[1]);
}

function updateReadmeScreenshot(file: string, name: string): void {
  if (process.env.DOWNRADAR_UPDATE_SCREENSHOTS !== '1') return;
  mkdirSync(join(REPO_ROOT, 'docs/screenshots'), { recursive: true });
  copyFileSync(file, join(REPO_ROOT, 'docs/screenshots', name));
}

describe('the board at a moment of the data', () => {
  it('lists the open incident at 17:00 UTC with a headline, its start and duration, and links to it', async () => {
    const detail = await outageIncident();
    const id = detail.incident.incidentId;
    const page = await h.newPage({ height: 1000 });
    await page.goto(`/?at=${DURING}`);
    await page.locator('[data-testid=board][data-at]').waitFor();
    const row = page.locator(`[data-testid=incident-row][data-incident-id="${id}"]`);
    await row.waitFor({ timeout: 30_000 });
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Service status at 4 Oct 2021, 17:00 UTC');
    expect(await row.getAttribute('data-ongoing')).toBe('true');
    expect(await row.getAttribute('data-level')).toBe('danger');
    const text = await row.innerText();
    expect(text).toMatch(/^Meta: .+ down\n/);
    expect(text).toContain('Ongoing');
    expect(text).toMatch(/started 4 Oct 2021, 15:\d\d UTC/);
    expect(text).toMatch(/for \d+ h \d+ min so far|for \d+ min so far/);
    expect(text).toMatch(/\d+ services down/);
    // A moment of the past: no live stream.
    expect(await page.getByTestId('live-status').getAttribute('data-status')).toBe('off');

    // The cards as they stood then: facebook in trouble, in the incident, with its outage in the sparkline.
    const fb = page.locator('[data-testid=service-card][data-service-id=facebook]');
    expect(await fb.getAttribute('data-level')).not.toBe('ok');
    expect(await fb.innerText()).toContain('Incident open');
    expect(Number(await fb.getAttribute('data-spark-total'))).toBeGreaterThan(0);
    await dismissBanners(page);
    const shot = await h.screenshot(page, 'board-incident', { fullPage: false });
    updateReadmeScreenshot(shot, 'board-incident.png');

    await row.getByRole('link').click();
    await page.waitForURL(`**/incident/${encodeURIComponent(id)}`);
    await page.getByTestId('incident-headline').waitFor();
    expect(h.errors(page)).toEqual([]);
  });

  it('steps through time, shows the resolved incident afterwards, and goes back to live', async () => {
    const { incident } = await outageIncident();
    const page = await h.newPage();
    await page.goto(`/?at=${DURING}`);
    await page.getByTestId('moment-input').waitFor();
    expect(await page.getByTestId('moment-input').inputValue()).toBe('2021-10-04 17:00');
    await page.getByRole('link', { name: 'One hour later' }).click();
    await page.waitForURL(/\?at=2021-10-04T18:00:00Z$/);
    await page.getByRole('heading', { name: 'Service status at 4 Oct 2021, 18:00 UTC' }).waitFor();

    await page.getByTestId('moment-input').fill('2021-10-05 01:00');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/\?at=2021-10-05T01:00:00Z$/);
    const row = page.locator(`[data-testid=incident-row][data-incident-id="${incident.incidentId}"]`);
    await row.waitFor({ timeout: 30_000 });
    expect(await row.getAttribute('data-ongoing')).toBe('false');
    expect(await row.innerText()).toMatch(/Resolved.*lasted \d+ h/s);
    expect(await page.getByTestId('moment-input').inputValue()).toBe('2021-10-05 01:00');

    await page.getByTestId('back-to-live').click();
    await page.waitForURL((u) => u.pathname === '/' && u.search === '');
    await page.getByRole('heading', { name: 'Service status' }).waitFor();
    expect(h.errors(page)).toEqual([]);
  });

  it('on the live board, points at the data when they are far behind the clock', async () => {
    const services = await api<ServicesResponse>('/v1/services');
    const page = await h.newPage();
    await page.goto('/');
    await page.getByTestId('service-card').first().waitFor();
    await page.getByTestId('incident-list-section').waitFor();
    const behind = services.scoredUntil !== null && services.at - services.scoredUntil > 3_600_000;
    if (behind) {
      // A replay of 2021 and nothing live since: the board says so and links to the data's moment.
      const link = page.getByTestId('stale-data-link');
      await link.click();
      await page.waitForURL(/\?at=\d{4}-/);
      await page.locator('[data-testid=board][data-at]').waitFor();
    } else {
      expect(await page.getByTestId('stale-data').count()).toBe(0);
    }
    expect(h.errors(page)).toEqual([]);
  });
});

describe('the incident page', () => {
  it('reads like a story: a headline, a subline, roles, and a timeline of changes with repeats folded', async () => {
    const detail = await outageIncident();
    const inc = detail.incident;
    const nameOf = await names();
    const page = await h.newPage({ height: 1000 });
    await page.goto(`/incident/${encodeURIComponent(inc.incidentId)}`);
    // The headline names the services once the catalog is in (until then it shows their ids).
    await page.locator('[data-testid=incident-page][data-catalog=loaded]').waitFor({ timeout: 30_000 });
    const headline = page.getByTestId('incident-headline');

    // "Meta: Facebook, WhatsApp, Instagram and Facebook Messenger down": every primary service by name, one line.
    const text = await headline.innerText();
    expect(text).toMatch(/^Meta: .+ down$/);
    const primaries = inc.services.filter((s) => s.role === 'primary');
    if (primaries.length <= 4) for (const p of primaries) expect(text).toContain(nameOf.get(p.serviceId) ?? p.serviceId);
    for (const c of inc.services.filter((s) => s.role === 'collateral')) expect(text).not.toContain(nameOf.get(c.serviceId) ?? c.serviceId);
    expect(text.length).toBeLessThan(120);
    // The detector's machine summary is not what a person reads.
    expect(await page.locator('main').innerText()).not.toContain(inc.summary);

    const subline = await page.getByTestId('incident-subline').innerText();
    expect(subline).toMatch(/^Started 4 Oct 2021, 15:\d\d UTC · (lasted|ongoing for) /);
    expect(subline).toContain(`${primaries.length} services down`);
    const collateral = inc.services.length - primaries.length;
    if (collateral > 0) expect(subline).toContain(`${collateral} collateral`);

    // Roles, in words.
    expect(await page.locator('[data-testid=incident-services] tr[data-role=primary] .tag-primary').count()).toBe(primaries.length);
    expect(await page.locator('[data-testid=incident-services] tr[data-role=collateral] .tag-collateral').count()).toBe(collateral);

    // The provider: the incident's (from its event) beside the headline, each service's (from the
    // catalog) in the table; facebook runs on Meta's own infrastructure.
    const { services: catalog } = await api<ServicesResponse>('/v1/services');
    expect(catalog.find((s) => s.id === 'facebook')?.provider).toBe('meta');
    if (inc.provider === 'meta') expect(await page.getByTestId('incident-provider').textContent()).toContain('provider Meta');
    else if (!inc.provider) expect(await page.getByTestId('incident-provider').count()).toBe(0);
    expect(await page.locator('[data-testid=incident-services] tr[data-service-id=facebook] [data-testid=service-provider]').innerText()).toBe('Meta');
    const withoutProvider = inc.services.filter((s) => !catalog.find((c) => c.id === s.serviceId)?.provider).length;
    expect(await page.locator('[data-testid=incident-services] [data-testid=service-provider]', { hasText: '—' }).count()).toBe(withoutProvider);

    // The timeline: what changed at each step, fewer steps than events when events repeat the state.
    const timeline = page.getByTestId('incident-timeline');
    const events = Number(await timeline.getAttribute('data-events'));
    const steps = page.getByTestId('timeline-step');
    expect(events).toBe(detail.timeline.length);
    expect(await steps.count()).toBeLessThanOrEqual(events);
    expect(await steps.first().getAttribute('data-kinds')).toContain('opened');
    expect(await steps.first().innerText()).toContain('Incident opened');
    if (inc.status === 'resolved') expect(await steps.last().getAttribute('data-kinds')).toContain('resolved');
    for (const step of await steps.all()) expect((await step.locator('.timeline-changes li').count()) + Number(await step.getAttribute('data-folded'))).toBeGreaterThan(0);
    const folded = await steps.evaluateAll((els) => els.reduce((a, e) => a + Number(e.getAttribute('data-folded')), 0));
    expect((await steps.count()) + folded).toBe(events);
    const height = await timeline.evaluate((e) => e.getBoundingClientRect().height);
    // 32 events of the 2021 replay took 7,000 px when each repeated the whole state.
    expect(height, 'the timeline stays readable').toBeLessThan(events * 100 + 200);

    // The incident is shaded in the colour of its worst level (danger), not green.
    const area = page.locator('[data-testid=incident-chart] .recharts-reference-area-rect').first();
    await area.waitFor({ timeout: 30_000 });
    expect(await area.getAttribute('fill')).toBe('var(--danger)');
    expect(await page.locator('[data-testid=incident-chart] [data-testid=y-unit]').innerText()).toMatch(/^Reports per (5|15) min$/);

    await dismissBanners(page);
    const shot = await h.screenshot(page, 'incident-story', { fullPage: false });
    updateReadmeScreenshot(shot, 'incident-meta.png');
    await h.screenshot(page, 'incident-story-full');
    expect(h.errors(page)).toEqual([]);
  });
});

describe('the world map of countries', () => {
  async function facebookCountries(): Promise<BreakdownResponse['countries']> {
    const b = await api<BreakdownResponse>(`/v1/services/facebook/breakdown?from=${OUTAGE_FROM}&to=${OUTAGE_TO}`);
    const known = b.countries.filter((c) => c.key !== 'unknown');
    if (known.length === 0) throw new Error('no facebook report with a country on 4 Oct 2021');
    return known;
  }

  it('shades countries by their share, the top one darkest, and tells the figures on hover', async () => {
    const countries = await facebookCountries();
    const top = countries[0]!;
    const page = await h.newPage();
    await page.goto(`/service/facebook${OUTAGE_QUERY}`);
    const map = page.getByTestId('world-map');
    await map.waitFor({ timeout: 30_000 });
    expect(Number(await map.getAttribute('data-shaded'))).toBe(countries.filter((c) => c.count > 0).length);
    const topPath = map.locator(`path[data-country="${top.key}"]`);
    expect(await topPath.getAttribute('data-shade')).toBe('5');
    expect(Number(await topPath.getAttribute('data-count'))).toBe(top.count);
    // The list next to it: the same countries, the same order.
    const listed = await page.locator('[data-testid=breakdown-countries] .share-bar-label').allInnerTexts();
    expect(listed.length).toBeGreaterThan(0);

    await hoverInside(page, `[data-testid=world-map] path[data-country="${top.key}"]`);
    const readout = page.getByTestId('map-readout');
    const countText = top.count.toLocaleString('en-US');
    // The readout at rest names the top country too ("Most reports: United States: 3,395 reports
    // ..."): wait for the hover's own text, which starts with the country.
    await page.waitForFunction(`document.querySelector('[data-testid=map-readout]')?.textContent?.startsWith(${JSON.stringify(`${listed[0]!}: ${countText} report`)})`);
    expect(await readout.innerText()).toMatch(new RegExp(`^${listed[0]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${top.count.toLocaleString('en-US')} reports? \\(\\d+(\\.\\d)?%\\)$`));
    // A country without reports says so.
    const quietCountry = (await page.evaluate(
      `[...document.querySelectorAll('[data-testid=world-map] path[data-shade="0"]')].map((p) => { const b = p.getBBox(); return [p.getAttribute('data-country'), b.width * b.height]; }).sort((a, b) => b[1] - a[1])[0][0]`,
    )) as string;
    await hoverInside(page, `[data-testid=world-map] path[data-country="${quietCountry}"]`);
    await page.waitForFunction(`!document.querySelector('[data-testid=map-readout]')?.textContent?.startsWith(${JSON.stringify(`${listed[0]!}:`)})`);
    expect(await readout.innerText()).toMatch(/: no reports$/);
    expect(h.errors(page)).toEqual([]);
  });

  it('is readable in dark mode and fits a 390 px phone', async () => {
    const countries = await facebookCountries();
    const dark = await h.newPage({ colorScheme: 'dark' });
    await dark.goto(`/service/facebook${OUTAGE_QUERY}`);
    await dark.getByTestId('world-map').waitFor({ timeout: 30_000 });
    const topSel = `[data-testid=world-map] path[data-country="${countries[0]!.key}"]`;
    const fills = (await dark.evaluate(
      `[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.querySelector('[data-testid=world-map] path[data-shade="0"]')).fill, getComputedStyle(document.querySelector(${JSON.stringify(topSel)})).fill]`,
    )) as [string, string, string];
    const [background, land, top] = fills;
    expect(background).toBe('rgb(14, 17, 22)');
    expect(land).not.toBe(background);
    expect(top).not.toBe(land);
    await h.screenshot(dark, 'map-dark', { fullPage: false });

    const phone = await h.newPage({ width: 390, height: 844 });
    await phone.goto(`/service/facebook${OUTAGE_QUERY}`);
    const map = phone.getByTestId('world-map');
    await map.waitFor({ timeout: 30_000 });
    await map.scrollIntoViewIfNeeded();
    const box = (await map.locator('svg').boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    expect(box.height).toBeGreaterThan(100);
    const [scroll, client] = (await phone.evaluate('[document.documentElement.scrollWidth, document.documentElement.clientWidth]')) as [number, number];
    expect(scroll).toBeLessThanOrEqual(client);
    await h.screenshot(phone, 'map-phone', { fullPage: false });
    expect(h.errors(dark)).toEqual([]);
    expect(h.errors(phone)).toEqual([]);
  });
});

describe('headless rendering with a virtual-time budget (screenshot tools, crawlers)', () => {
  /** Runs Chromium's own --dump-dom, as such tools do; resolves with the DOM or rejects on the deadline. */
  function dumpDom(path: string, budgetMs: number, deadlineMs: number): Promise<{ dom: string; seconds: number }> {
    const profile = mkdtempSync(join(tmpdir(), 'downradar-vt-'));
    const started = Date.now();
    return new Promise((resolve, reject) => {
      execFile(
        chromiumPath(),
        ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', `--user-data-dir=${profile}`, `--virtual-time-budget=${budgetMs}`, '--dump-dom', `${h.baseUrl}${path}`],
        { timeout: deadlineMs, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' },
        (err, stdout) => {
          rmSync(profile, { recursive: true, force: true });
          if (err) reject(new Error(`${path}: chromium --virtual-time-budget=${budgetMs} did not finish within ${deadlineMs} ms (${err.message})`));
          else resolve({ dom: stdout, seconds: (Date.now() - started) / 1000 });
        },
      );
    });
  }

  it('finishes on pages about the past, whatever the budget: they open no live stream', async () => {
    const { incident } = await outageIncident();
    // A budget longer than the live stream's start delay (30 s): only a page without a stream finishes.
    for (const [path, marker] of [
      [`/?at=${DURING}`, 'data-testid="incident-row"'],
      [`/incident/${encodeURIComponent(incident.incidentId)}`, 'data-testid="incident-headline"'],
      [`/service/facebook${OUTAGE_QUERY}`, 'data-testid="world-map"'],
    ] as const) {
      const { dom, seconds } = await dumpDom(path, 45_000, 90_000);
      expect(dom, path).toContain(marker);
      expect(dom, path).toContain('data-status="off"');
      console.log(`virtual time: ${path} rendered in ${seconds.toFixed(1)} s`);
    }
  });

  it('finishes on the live board: its stream waits for an interaction or 30 s', async () => {
    const { dom, seconds } = await dumpDom('/', 10_000, 90_000);
    expect(dom).toContain('data-testid="service-card"');
    expect(dom).toContain('data-status="waiting"');
    console.log(`virtual time: / rendered in ${seconds.toFixed(1)} s`);
  });
});
