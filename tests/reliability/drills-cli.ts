/**
 * npm run drills [-- --short] [-- --only broker-kill,burst] [-- --parallel]
 *
 * Brings up the drills' private stack (.data/drills; Kafka 19092, ClickHouse 18123 unless taken: see
 * private-stack.ts), starts two throwaway systems on it, runs the fault drills at full scale
 * (--short: the test suite's durations), prints one row per drill and writes
 * bench/results/drills.json. Exit code 1 when anything was lost or duplicated.
 * At the end it stops the private stack's servers it started, and leaves running those that ran
 * before; `--keep-stack` leaves everything running (for repeated runs), `--stack-down` stops the
 * private stack whatever ran before. `npm run stack:status` / `stack:down` cover it as well.
 */
import { writeResult } from '@downradar/common/bench-results';
import { drillMetrics, drillScale, formatTable, runDrills, startDrills, stopDrills, DRILLS, type DrillEnv, type DrillName } from './drills';
import { privateStack, privateStackDown } from './private-stack';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
if (flag('--help')) {
  console.log('usage: npm run drills -- [--short] [--parallel] [--only broker-kill,clickhouse-stop,detector-kill,receiver-down,burst] [--keep-stack | --stack-down] [--no-write] [--logs]');
  process.exit(0);
}
const only = value('--only')?.split(',') as DrillName[] | undefined;
for (const n of only ?? []) if (!(n in DRILLS)) throw new Error(`unknown drill ${n}; one of ${Object.keys(DRILLS).join(', ')}`);
const scale = drillScale(flag('--short') ? 'short' : 'full');
const stack = privateStack();
const t0 = Date.now();
const log = (line: string) => console.error(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}`);

let env: DrillEnv | undefined;
let failed = false;
try {
  log(`scale ${JSON.stringify(scale)}`);
  env = await startDrills(stack, scale, log);
  log('systems started');
  const rows = await runDrills(env, {
    ...(only ? { only } : {}),
    parallel: flag('--parallel'),
    onRow: (r) => log(`${r.drill}: lost ${r.lost}, duplicated ${r.duplicated}, recovery ${r.recoveryS} s\n    ${r.notes.join('\n    ')}`),
  });
  console.log(formatTable(rows));
  for (const r of rows) console.log(`\n${r.drill}:\n  ${r.notes.join('\n  ')}`);
  failed = rows.some((r) => !(r.lost === 0 && r.duplicated === 0));
  const metrics = drillMetrics(rows);
  if (!flag('--no-write')) {
    if (Object.values(metrics).every(Number.isFinite)) writeResult('drills', metrics);
    else console.error(`not writing drills.json: a drill failed (${JSON.stringify(metrics)})`);
  }
} catch (err) {
  failed = true;
  console.error(err);
} finally {
  if (flag('--logs') && env) for (const l of [...env.reports.logs, ...env.alerts.logs]) console.error(l);
  await stopDrills(env, { keepStack: flag('--keep-stack') || flag('--stack-down') }).catch((err) => console.error(`stopping the drills: ${(err as Error).message}`));
  if (flag('--stack-down')) await privateStackDown(env?.stack ?? stack, { all: true }).catch((err) => console.error((err as Error).message));
}
log(`done${failed ? ': something was lost, duplicated or failed' : ''}`);
process.exit(failed ? 1 : 0);
