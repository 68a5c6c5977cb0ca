/**
 * npm run drills [-- --short] [-- --only broker-kill,burst] [-- --parallel]
 * npm run drills -- --cluster [--short] [--only broker-kill,replica-kill,zookeeper-down,rolling-restart]
 *
 * --cluster: the cluster drills (cluster-drills.ts) on the drills' own cluster (.data/drills-cluster,
 * ports from 19100; cluster-stack.ts), written to bench/results/drills-cluster.json. The cluster
 * is stopped at the end unless it ran before or `--keep-stack` is given (`--stack-down`: always).
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
import { CLUSTER_DRILLS, clusterDrillMetrics, runClusterDrills, startClusterDrills, stopClusterDrills, type ClusterDrillEnv, type ClusterDrillName } from './cluster-drills';
import { cluster as clusterCmd, drillsCluster } from './cluster-stack';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
if (flag('--help')) {
  console.log('usage: npm run drills -- [--short] [--parallel] [--only broker-kill,clickhouse-stop,detector-kill,receiver-down,burst] [--keep-stack | --stack-down] [--no-write] [--logs]');
  console.log('       npm run drills -- --cluster [--short] [--only broker-kill,replica-kill,zookeeper-down,rolling-restart] [--keep-stack | --stack-down] [--no-write] [--logs]');
  process.exit(0);
}
if (flag('--cluster')) await clusterMain();
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

async function clusterMain(): Promise<never> {
  const only = value('--only')?.split(',') as ClusterDrillName[] | undefined;
  for (const n of only ?? []) if (!(n in CLUSTER_DRILLS)) throw new Error(`unknown cluster drill ${n}; one of ${Object.keys(CLUSTER_DRILLS).join(', ')}`);
  const scale = drillScale(flag('--short') ? 'short' : 'full');
  const t0 = Date.now();
  const log = (line: string) => console.error(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}`);
  let env: ClusterDrillEnv | undefined;
  let failed = false;
  // As for the private stack: a cluster that ran before is left running, one started here is stopped.
  const ranBefore = await clusterCmd(drillsCluster(), ['status']).then(
    () => true,
    () => false,
  );
  try {
    log(`cluster drills, scale ${JSON.stringify(scale)}`);
    env = await startClusterDrills(scale, log);
    log('system started on the cluster');
    const rows = await runClusterDrills(env, {
      ...(only ? { only } : {}),
      onRow: (r) => log(`${r.drill}: lost ${r.lost}, duplicated ${r.duplicated}, recovery ${r.recoveryS} s\n    ${r.notes.join('\n    ')}`),
    });
    console.log(formatTable(rows));
    for (const r of rows) console.log(`\n${r.drill}:\n  ${r.notes.join('\n  ')}`);
    failed = rows.some((r) => !(r.lost === 0 && r.duplicated === 0));
    const metrics = clusterDrillMetrics(rows);
    if (!flag('--no-write')) {
      if (Object.values(metrics).every(Number.isFinite)) writeResult('drills-cluster', metrics);
      else console.error(`not writing drills-cluster.json: a drill failed (${JSON.stringify(metrics)})`);
    }
  } catch (err) {
    failed = true;
    console.error(err);
  } finally {
    if (flag('--logs') && env) for (const l of env.reports.logs) console.error(l);
    await stopClusterDrills(env).catch((err) => console.error(`stopping the system: ${(err as Error).message}`));
    if (flag('--stack-down') || (!ranBefore && !flag('--keep-stack'))) await clusterCmd(drillsCluster(), ['down']).catch((err) => console.error((err as Error).message));
  }
  log(`done${failed ? ': something was lost, duplicated or failed' : ''}`);
  process.exit(failed ? 1 : 0);
}
