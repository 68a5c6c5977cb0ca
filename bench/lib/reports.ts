/**
 * Realistic reports for the ClickHouse benchmarks (bench:sink, bench:clickhouse): the 2021-10-04
 * afternoon, Meta's apps dominating, a long tail of others; the same rows for the same seed.
 */
import { seededRandom } from '@downradar/common/seeded-random';
import type { ReportEvent } from '../../schemas/events/index';

function weighted<T>(rand: () => number, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let x = rand() * total;
  for (const [v, w] of items) if ((x -= w) < 0) return v;
  return items[items.length - 1]![0];
}
const SERVICES = [
  ['facebook', 30], ['whatsapp', 28], ['instagram', 20], ['messenger', 6], ['twitter', 4], ['telegram', 3], ['signal', 2],
  ['youtube', 1.5], ['gmail', 1], ['netflix', 1], ['tiktok', 1], ['snapchat', 1], ['discord', 0.5], ['verizon', 0.5], ['att', 0.5],
] as const;
const PROBLEMS = [['login', 20], ['app', 30], ['server_connection', 25], ['messaging', 15], ['website', 7], ['other', 3]] as const;
const COUNTRIES = [['US', 30], ['BR', 12], ['IN', 12], ['GB', 8], ['DE', 6], ['MX', 5], ['FR', 5], ['ID', 5], ['', 17]] as const;
const SOURCES = [['web', 80], ['api', 15], ['replay', 5]] as const;
const TEXTS = ['cannot log in', 'app keeps crashing', 'messages not sending', 'feed does not load', 'is it down?', 'server connection error'];

/** A 64-hex-digit "salted hash" from the generator, so every run makes the same rows. */
function hex64(rand: () => number): string {
  let out = '';
  for (let i = 0; i < 8; i++) out += Math.floor(rand() * 4294967296).toString(16).padStart(8, '0');
  return out;
}

export function generateReports(n: number, seed = 20211004): ReportEvent[] {
  const rand = seededRandom(seed);
  const start = Date.UTC(2021, 9, 4, 15, 40);
  const spanMs = 7 * 3600_000;
  const out: ReportEvent[] = new Array(n);
  for (let i = 0; i < n; i++) {
    // Most reports come in the first hour of the outage, then decay.
    const at = start + Math.floor(spanMs * Math.pow(rand(), 2.5));
    const report: ReportEvent = {
      id: `bench-${seed}-${i}`,
      serviceId: weighted(rand, SERVICES),
      problem: weighted(rand, PROBLEMS),
      at,
      receivedAt: at + Math.floor(rand() * 3000),
      reporterHash: hex64(rand),
      source: weighted(rand, SOURCES),
    };
    const country = weighted(rand, COUNTRIES);
    if (country) report.country = country;
    if (rand() < 0.2) report.text = TEXTS[Math.floor(rand() * TEXTS.length)]!;
    out[i] = report;
  }
  return out;
}

