/**
 * `--cluster` for npm start, npm run demo and the drills: the services run against the cluster
 * that `npm run stack:up -- --cluster` started (infra/cluster.sh). That script writes the
 * variables services need into <data>/cluster/cluster.env (brokers, replication, the ClickHouse
 * replicas and cluster name, the sink's insert quorum); they win over the single-node values of
 * the environment.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dataDir } from '@downradar/common';

export const clusterEnvFile = (dir = dataDir) => `${dir}/cluster/cluster.env`;

/** KEY=value lines (comments and blank lines skipped). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!.trim();
  }
  return out;
}

export function clusterEnv(dir = dataDir): Record<string, string> {
  const file = clusterEnvFile(dir);
  if (!existsSync(file)) throw new Error(`no ${file}: start the cluster first with npm run stack:up -- --cluster`);
  return parseEnvFile(readFileSync(file, 'utf8'));
}

/** Takes `--cluster` out of the arguments; says whether it was there (or DOWNRADAR_CLUSTER=1). */
export function takeClusterFlag(args: string[]): { cluster: boolean; rest: string[] } {
  const rest = args.filter((a) => a !== '--cluster');
  return { cluster: rest.length !== args.length || /^(1|true|yes)$/i.test(process.env.DOWNRADAR_CLUSTER ?? ''), rest };
}
