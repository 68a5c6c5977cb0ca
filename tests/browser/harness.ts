/**
 * Browser test harness: real headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core; no browser is ever downloaded) against the dashboard.
 *
 * Two modes, same tests:
 *  - real:    DOWNRADAR_BROWSER_BASE_URL=http://127.0.0.1:8080 points the tests at a running
 *             services/api that serves dashboards/web/dist, with the fb-2021-10-04 scenario
 *             replayed through the stack. This is the run the suite relies on.
 *  - fixture: without it, the harness starts fixture-api (fixture-api.ts) in this process on a
 *             random port, serving dist and answering /v1 from fixtures. For dashboard
 *             development, and for trying the tests before the stack is up.
 *
 * Other knobs: DOWNRADAR_CHROMIUM (browser binary, default /usr/bin/chromium);
 * DOWNRADAR_BROWSER_ARTIFACTS (screenshots, default test-artifacts/browser);
 * DOWNRADAR_BROWSER_INGEST_URL (real mode: where the live test posts reports so that fresh
 * scores flow, e.g. http://127.0.0.1:8081); DOWNRADAR_BROWSER_LIVE_TIMEOUT_MS (real mode: how
 * long the live test waits for a score event, default 120000).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startFixtureApi, type FixtureApi } from './fixture-api';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const WEB_DIR = join(REPO_ROOT, 'dashboards/web');
export const DIST_DIR = join(WEB_DIR, 'dist');

export type HarnessMode = 'fixture' | 'real';

export interface PageOptions {
  width?: number;
  height?: number;
  colorScheme?: 'light' | 'dark';
  /** the browser's own zone (for the "Local" time toggle), e.g. America/New_York */
  timezoneId?: string;
  /** localStorage entries set before the app starts (e.g. downradar.time = local) */
  storage?: Record<string, string>;
}

export interface Harness {
  mode: HarnessMode;
  baseUrl: string;
  /** fixture mode only */
  fixture: FixtureApi | null;
  browser: Browser;
  artifactsDir: string;
  /** a page in a fresh context; uncaught page errors are collected in `errors` */
  newPage: (options?: PageOptions) => Promise<Page>;
  /** uncaught exceptions and console errors per page */
  errors: (page: Page) => string[];
  /** full-page screenshot into the artifacts dir; returns the file path */
  screenshot: (page: Page, name: string, options?: { fullPage?: boolean }) => Promise<string>;
  close: () => Promise<void>;
}

/** Builds the dashboard when dist is missing or older than its sources. */
export function ensureDashboardBuilt(): void {
  const index = join(DIST_DIR, 'index.html');
  const builtAt = existsSync(index) ? statSync(index).mtimeMs : 0;
  const newest = Math.max(newestMtime(join(WEB_DIR, 'src')), mtime(join(WEB_DIR, 'index.html')), mtime(join(WEB_DIR, 'vite.config.ts')));
  if (builtAt > 0 && builtAt >= newest) return;
  // Its output is wanted only when it fails (a passing test run stays short).
  try {
    execFileSync('npm', ['run', 'build', '--workspace', 'dashboards/web'], { cwd: REPO_ROOT, stdio: 'pipe', encoding: 'utf8' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`the dashboard build failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

function mtime(p: string): number {
  return existsSync(p) ? statSync(p).mtimeMs : 0;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export function chromiumPath(): string {
  const path = process.env.DOWNRADAR_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(path)) throw new Error(`No Chromium at ${path}. Install Debian's: apt-get install -y chromium (or set DOWNRADAR_CHROMIUM).`);
  return path;
}

async function waitForApi(baseUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${baseUrl}/v1/services`);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`DOWNRADAR_BROWSER_BASE_URL=${baseUrl}: /v1/services did not answer within ${timeoutMs} ms (${last}). Is services/api running?`);
}

export async function startHarness(): Promise<Harness> {
  const realBase = process.env.DOWNRADAR_BROWSER_BASE_URL?.replace(/\/+$/, '');
  const mode: HarnessMode = realBase ? 'real' : 'fixture';
  ensureDashboardBuilt();
  let fixture: FixtureApi | null = null;
  let baseUrl: string;
  if (realBase) {
    await waitForApi(realBase, 30_000);
    baseUrl = realBase;
  } else {
    fixture = await startFixtureApi({ distDir: DIST_DIR });
    baseUrl = fixture.url;
  }
  const artifactsDir = resolve(REPO_ROOT, process.env.DOWNRADAR_BROWSER_ARTIFACTS ?? 'test-artifacts/browser');
  mkdirSync(artifactsDir, { recursive: true });

  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // --no-sandbox: CI containers run as root, where Chromium's sandbox cannot start
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--font-render-hinting=none'],
  });
  const contexts: BrowserContext[] = [];
  const pageErrors = new WeakMap<Page, string[]>();

  return {
    mode,
    baseUrl,
    fixture,
    browser,
    artifactsDir,
    async newPage(options: PageOptions = {}) {
      const context = await browser.newContext({
        baseURL: baseUrl,
        viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
        colorScheme: options.colorScheme ?? 'light',
        timezoneId: options.timezoneId ?? 'UTC',
        locale: 'en-GB',
        reducedMotion: 'reduce',
      });
      contexts.push(context);
      if (options.storage) {
        const entries = JSON.stringify(options.storage);
        await context.addInitScript(`(() => { const e = ${entries}; for (const k of Object.keys(e)) localStorage.setItem(k, e[k]); })()`);
      }
      const page = await context.newPage();
      const errors: string[] = [];
      pageErrors.set(page, errors);
      page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
      });
      return page;
    },
    errors: (page) => pageErrors.get(page) ?? [],
    async screenshot(page, name, options = {}) {
      const file = join(artifactsDir, `${name}.png`);
      await page.screenshot({ path: file, fullPage: options.fullPage ?? true, animations: 'disabled' });
      return file;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
      await fixture?.close();
    },
  };
}
