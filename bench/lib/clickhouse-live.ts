/**
 * What ClickHouse did while a command ran (prints only): its process's user and system CPU from
 * /proc, and what system.part_log and system.query_log recorded in that time, by table:
 *
 *   npx tsx bench/lib/clickhouse-live.ts -- npm run bench:e2e
 *
 * part_log is written only when the server was started with DOWNRADAR_CLICKHOUSE_PART_LOG=1, the
 * services' queries only with DOWNRADAR_CLICKHOUSE_LOG_QUERIES=1 (infra/clickhouse); without them
 * those sections say so. The e2e bench drops its database at the end, so the tables are grouped by
 * name (the database apart: `bench_*`, `system`, others).
 *  - NewPart (an insert's part, one per table and view an insert reaches), MergeParts (count, rows
 *    and bytes written, the sum of the merges' durations), RemovePart
 *  - inserts by table (query_log QueryFinish: count, rows, the sum of their durations)
 *  - the ClickHouse process's user / system CPU seconds, and its threads' (/proc/<pid>/task, by name)
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createClickHouse, queryRows } from '@downradar/common';
import { serverPids } from './cpu';
import { loadAverage } from './peers';

const CLICKHOUSE_URL = process.env.DOWNRADAR_CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';
const TICK = 100; // USER_HZ

function userSys(statFile: string): { user: number; sys: number } {
  const stat = readFileSync(statFile, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]) / TICK, sys: Number(f[12]) / TICK };
}

/** CPU of each live thread by id, with its name now (18.16 renames a pooled thread for the work it takes, e.g. HTTPHandler). */
function threads(pid: number): Map<string, { name: string; user: number; sys: number }> {
  const out = new Map<string, { name: string; user: number; sys: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      out.set(tid, { name, ...userSys(`/proc/${pid}/task/${tid}/stat`) });
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** Each thread's CPU in between, summed by its name at the end (threads that ended in between are in the process's total only). */
function byName(
  before: Map<string, { name: string; user: number; sys: number }>,
  after: Map<string, { name: string; user: number; sys: number }>,
): Map<string, { user: number; sys: number }> {
  const out = new Map<string, { user: number; sys: number }>();
  for (const [tid, a] of after) {
    const b = before.get(tid) ?? { user: 0, sys: 0 };
    const o = out.get(a.name) ?? { user: 0, sys: 0 };
    out.set(a.name, { user: o.user + a.user - b.user, sys: o.sys + a.sys - b.sys });
  }
  return out;
}

async function main(): Promise<void> {
  const sep = process.argv.indexOf('--');
  const cmd = sep >= 0 ? process.argv.slice(sep + 1) : [];
  if (cmd.length === 0) throw new Error('usage: npx tsx bench/lib/clickhouse-live.ts -- <command> [args...]');
  const pid = serverPids().clickhouse;
  if (!pid) throw new Error('no ClickHouse pid file under the data dir (DOWNRADAR_DATA_DIR or .data): is the stack up?');
  const ch = createClickHouse({ url: CLICKHOUSE_URL, requestTimeoutMs: 120_000 });
  const now = (await queryRows<{ now: string }>(ch, 'SELECT toString(now()) AS now'))[0]?.now;
  if (!now) throw new Error('ClickHouse did not answer SELECT now()');
  const cpu0 = userSys(`/proc/${pid}/stat`);
  const th0 = threads(pid);
  const load = loadAverage();
  const code = await new Promise<number>((resolve) => {
    const child = spawn(cmd[0]!, cmd.slice(1), { stdio: 'inherit' });
    child.on('exit', (c) => resolve(c ?? 1));
  });
  const cpu1 = userSys(`/proc/${pid}/stat`);
  const th = byName(th0, threads(pid));
  await ch.command({ query: 'SYSTEM FLUSH LOGS' });
  const tables = new Set((await queryRows<{ name: string }>(ch, "SELECT name FROM system.tables WHERE database = 'system' AND name IN ('part_log', 'query_log')")).map((r) => r.name));
  const user = cpu1.user - cpu0.user;
  const sys = cpu1.sys - cpu0.sys;
  console.log(`\nclickhouse-live: command exit ${code}, load at start ${load}`);
  console.log(`clickhouse process: ${(user + sys).toFixed(1)} CPU s (user ${user.toFixed(1)}, system ${sys.toFixed(1)})`);
  const top = [...th].filter(([, t]) => t.user + t.sys >= 0.05).sort((a, b) => b[1].user + b[1].sys - (a[1].user + a[1].sys));
  console.log(`  threads by name: ${top.map(([n, t]) => `${n} ${(t.user + t.sys).toFixed(1)} (sys ${t.sys.toFixed(1)})`).join(', ')}`);
  const db = "multiIf(database LIKE 'bench%', 'bench', database = 'system', 'system', database)";
  if (tables.has('part_log')) {
    const rows = await queryRows<Record<string, string | number>>(
      ch,
      `SELECT ${db} AS db, table, toString(event_type) AS event, count() AS n, sum(rows) AS rows, sum(size_in_bytes) AS bytes, sum(duration_ms) AS ms
       FROM system.part_log WHERE event_time >= '${now}' GROUP BY db, table, event ORDER BY db, table, event`,
    );
    console.log('part_log since the start (db table event: parts, rows, MB, summed ms):');
    for (const r of rows) console.log(`  ${r.db} ${r.table} ${r.event}: ${r.n}, ${r.rows} rows, ${(Number(r.bytes) / 1e6).toFixed(1)} MB, ${r.ms} ms`);
    const tot = await queryRows<Record<string, string | number>>(
      ch,
      `SELECT toString(event_type) AS event, count() AS n, sum(rows) AS rows, sum(duration_ms) AS ms FROM system.part_log WHERE event_time >= '${now}' GROUP BY event ORDER BY event`,
    );
    console.log(`  totals: ${tot.map((r) => `${r.event} ${r.n} parts, ${r.rows} rows, ${r.ms} ms`).join('; ')}`);
  } else console.log('part_log: not configured (start the server with DOWNRADAR_CLICKHOUSE_PART_LOG=1)');
  if (tables.has('query_log')) {
    const rows = await queryRows<Record<string, string | number>>(
      ch,
      `SELECT extract(lower(query), 'insert into [\`"]?[a-z0-9_]+[\`"]?[.][\`"]?([a-z0-9_]+)') AS tbl, count() AS n, sum(written_rows) AS rows, sum(query_duration_ms) AS ms
       FROM system.query_log WHERE event_time >= '${now}' AND type = 2 AND tbl != '' GROUP BY tbl ORDER BY ms DESC`,
    );
    const others = await queryRows<Record<string, string | number>>(
      ch,
      `SELECT count() AS n, sum(query_duration_ms) AS ms FROM system.query_log WHERE event_time >= '${now}' AND type = 2 AND NOT match(lower(query), 'insert into')`,
    );
    console.log('query_log inserts since the start (table: inserts, rows written incl. views, summed ms):');
    for (const r of rows) console.log(`  ${r.tbl}: ${r.n}, ${r.rows} rows, ${r.ms} ms`);
    console.log(`  other queries: ${others[0]?.n ?? 0}, ${others[0]?.ms ?? 0} ms`);
  } else console.log('query_log: empty (start the server with DOWNRADAR_CLICKHOUSE_LOG_QUERIES=1)');
  await ch.close();
  process.exitCode = code;
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
