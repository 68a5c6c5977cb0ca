/**
 * What the drills check after a fault: where each accepted report ended up. A report is "lost"
 * when it got a 202 and is missing from Kafka or from ClickHouse, and "duplicated" when a reader
 * sees it more than once: twice in the reports topic (read_committed), or twice in ClickHouse
 * with FINAL. Rows that ReplacingMergeTree has not merged yet are not duplicates to any query that
 * must be exact (FINAL, uniqExact); they are reported as `unmergedRows` for information.
 */
import { queryRows, type ClickHouseClient, type Kafka } from '@downradar/common';
import { readAll } from '../../services/detector/src/testing/testkit';

export interface ReportCheck {
  accepted: number;
  /** 202s missing from the reports topic / from ClickHouse (FINAL). */
  missingInKafka: number;
  missingInClickHouse: number;
  /** Extra copies in the reports topic / in ClickHouse with FINAL. */
  duplicatesInKafka: number;
  duplicatesInClickHouse: number;
  /** ClickHouse rows before FINAL minus distinct ids: copies a background merge will collapse. */
  unmergedRows: number;
  /** Distinct ids ClickHouse holds for the drill. */
  storedDistinct: number;
  /** The 1-minute rollup (uniqExact states) summed over the drill's services: must equal storedDistinct. */
  rollupCount: number;
  /** Stored although the client never saw a 202 (a timed-out request that did land): not a loss. */
  storedWithout202: number;
  lost: number;
  duplicated: number;
  /** A few missing ids, for the failure message. */
  sampleMissing: string[];
}

const idFilter = (prefix: string) => `id LIKE '${prefix.replace(/[^A-Za-z0-9-]/g, '')}-%'`;

/** Distinct ids of the drill's reports ClickHouse holds (uniqExact, no FINAL needed). */
export async function distinctStored(ch: ClickHouseClient, database: string, prefix: string, maxSeq?: number): Promise<number> {
  const seqCond = maxSeq === undefined ? '' : ` AND toUInt64OrZero(substring(id, ${prefix.length + 2})) < ${Math.floor(maxSeq)}`;
  const [row] = await queryRows<{ n: string }>(ch, `SELECT uniqExact(id) AS n FROM ${database}.reports WHERE ${idFilter(prefix)}${seqCond}`);
  return Number(row?.n ?? 0);
}

/** Polls until ClickHouse holds `target` distinct ids of the drill (with seq < maxSeq); returns when. */
export async function waitStored(ch: ClickHouseClient, database: string, prefix: string, target: number, timeoutMs: number, maxSeq?: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await distinctStored(ch, database, prefix, maxSeq).catch(() => -1);
    if (n >= target) return Date.now();
    if (Date.now() > deadline) throw new Error(`ClickHouse holds ${n} of ${target} reports ${prefix}-* after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function checkReports(opts: {
  kafka: Kafka;
  reportsTopic: string;
  ch: ClickHouseClient;
  database: string;
  prefix: string;
  services: string[];
  accepted: Set<string>;
  /** How long to wait for the sink to catch up before counting what is missing. */
  settleMs: number;
}): Promise<ReportCheck> {
  const { ch, database, prefix, accepted } = opts;
  await waitStored(ch, database, prefix, accepted.size, opts.settleMs).catch(() => undefined);

  const inKafka = new Map<string, number>();
  for (const m of await readAll(opts.kafka, opts.reportsTopic, 120_000)) {
    const id = (JSON.parse(m.value) as { id: string }).id;
    if (id.startsWith(prefix + '-')) inKafka.set(id, (inKafka.get(id) ?? 0) + 1);
  }

  const finalRows = await queryRows<{ id: string; n: string }>(ch, `SELECT id, count() AS n FROM ${database}.reports FINAL WHERE ${idFilter(prefix)} GROUP BY id`);
  const inClickHouse = new Map(finalRows.map((r) => [r.id, Number(r.n)]));
  const [raw] = await queryRows<{ rows: string; ids: string }>(ch, `SELECT count() AS rows, uniqExact(id) AS ids FROM ${database}.reports WHERE ${idFilter(prefix)}`);
  const services = opts.services.map((s) => `'${s.replace(/[^a-z0-9-]/g, '')}'`).join(', ');
  // The rollup has no id column: it is checked through services that only this drill reports on.
  const [rollup] = await queryRows<{ n: string }>(
    ch,
    `SELECT sum(n) AS n FROM (SELECT service_id, minute, uniqExactMerge(reports) AS n FROM ${database}.report_volume_1m WHERE service_id IN (${services}) GROUP BY service_id, minute)`,
  );

  const rollupCount = Number(rollup?.n ?? 0);
  let missingInKafka = 0;
  let missingInClickHouse = 0;
  const sampleMissing: string[] = [];
  for (const id of accepted) {
    const k = inKafka.has(id);
    const c = inClickHouse.has(id);
    if (!k) missingInKafka++;
    if (!c) missingInClickHouse++;
    if ((!k || !c) && sampleMissing.length < 10) sampleMissing.push(`${id}${k ? '' : ' (not in Kafka)'}${c ? '' : ' (not in ClickHouse)'}`);
  }
  let duplicatesInKafka = 0;
  for (const n of inKafka.values()) duplicatesInKafka += n - 1;
  let duplicatesInClickHouse = 0;
  for (const n of inClickHouse.values()) duplicatesInClickHouse += n - 1;
  let storedWithout202 = 0;
  for (const id of inClickHouse.keys()) if (!accepted.has(id)) storedWithout202++;

  return {
    accepted: accepted.size,
    missingInKafka,
    missingInClickHouse,
    duplicatesInKafka,
    duplicatesInClickHouse,
    unmergedRows: Number(raw?.rows ?? 0) - Number(raw?.ids ?? 0),
    storedDistinct: inClickHouse.size,
    rollupCount,
    storedWithout202,
    lost: Math.max(missingInKafka, missingInClickHouse, inClickHouse.size - rollupCount),
    duplicated: duplicatesInKafka + duplicatesInClickHouse + Math.max(0, rollupCount - inClickHouse.size),
    sampleMissing,
  };
}
