/**
 * infra/clickhouse/clickhouse.sh's config.xml (`clickhouse.sh config`, what `up` starts the server
 * with) and the services' profile in users.sh: the measurement switches (part_log, the query log)
 * and the server-wide settings taken from the environment, off or unchanged by default, bad values
 * refused by name. (The server itself reads them in the SQL and e2e runs: infra/README.md.)
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const dir = new URL('.', import.meta.url).pathname;

function run(script: string, args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DOWNRADAR_CLICKHOUSE_')));
  return spawnSync('bash', [`${dir}${script}`, ...args], { encoding: 'utf8', env: { ...clean, ...env } });
}

function wellFormed(xml: string): boolean {
  const r = spawnSync('python3', ['-c', 'import sys, xml.dom.minidom; xml.dom.minidom.parseString(sys.stdin.read())'], { input: xml, encoding: 'utf8' });
  return r.status === 0;
}

const inner = (xml: string, tag: string) => new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml)?.[1];

describe('infra/clickhouse/clickhouse.sh config', () => {
  it('writes no part_log and no merge_tree section by default, and the query log without queries', () => {
    const r = run('clickhouse.sh', ['config']);
    expect(r.status, r.stderr).toBe(0);
    expect(wellFormed(r.stdout)).toBe(true);
    expect(r.stdout).not.toContain('<part_log>');
    expect(r.stdout).not.toContain('<merge_tree>');
    expect(inner(r.stdout, 'query_log')).toContain('<table>query_log</table>');
    const users = run('users.sh', ['print', '18.16.1']);
    expect(users.status, users.stderr).toBe(0);
    const profile = inner(users.stdout, 'default') ?? '';
    expect(profile).not.toContain('log_queries');
    expect(profile).not.toContain('background_pool_size');
  });

  it('turns on part_log and the services\' query log, and takes MergeTree settings and the pool size from the environment', () => {
    const r = run('clickhouse.sh', ['config'], {
      DOWNRADAR_CLICKHOUSE_PART_LOG: '1',
      DOWNRADAR_CLICKHOUSE_MERGE_TREE: 'old_parts_lifetime=60,enable_vertical_merge_algorithm=0',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(wellFormed(r.stdout)).toBe(true);
    expect(inner(inner(r.stdout, 'part_log') ?? '', 'table')).toBe('part_log');
    const mergeTree = inner(r.stdout, 'merge_tree') ?? '';
    expect([inner(mergeTree, 'old_parts_lifetime'), inner(mergeTree, 'enable_vertical_merge_algorithm')]).toEqual(['60', '0']);
    const users = run('users.sh', ['print', '18.16.1'], { DOWNRADAR_CLICKHOUSE_LOG_QUERIES: '1', DOWNRADAR_CLICKHOUSE_BACKGROUND_POOL_SIZE: '4' });
    expect(users.status, users.stderr).toBe(0);
    expect(wellFormed(users.stdout)).toBe(true);
    const profile = inner(users.stdout, 'default') ?? '';
    expect([inner(profile, 'log_queries'), inner(profile, 'background_pool_size')]).toEqual(['1', '4']);
    // The analyst's profile is not the services': it does not log or change with them.
    expect(inner(users.stdout, 'analyst')).not.toContain('log_queries');
  });

  it('refuses bad values, naming the variable', () => {
    for (const [script, args, env, name] of [
      ['clickhouse.sh', ['config'], { DOWNRADAR_CLICKHOUSE_PART_LOG: 'yes' }, 'DOWNRADAR_CLICKHOUSE_PART_LOG'],
      ['clickhouse.sh', ['config'], { DOWNRADAR_CLICKHOUSE_MERGE_TREE: 'old_parts_lifetime' }, 'DOWNRADAR_CLICKHOUSE_MERGE_TREE'],
      ['clickhouse.sh', ['config'], { DOWNRADAR_CLICKHOUSE_MERGE_TREE: 'a=1,<x>=2' }, 'DOWNRADAR_CLICKHOUSE_MERGE_TREE'],
      ['users.sh', ['print', '18.16.1'], { DOWNRADAR_CLICKHOUSE_LOG_QUERIES: '2' }, 'DOWNRADAR_CLICKHOUSE_LOG_QUERIES'],
      ['users.sh', ['print', '18.16.1'], { DOWNRADAR_CLICKHOUSE_BACKGROUND_POOL_SIZE: '0' }, 'DOWNRADAR_CLICKHOUSE_BACKGROUND_POOL_SIZE'],
    ] as const) {
      const r = run(script, [...args], env);
      expect(r.status, `${name}: ${r.stdout}`).not.toBe(0);
      expect(r.stderr).toContain(name);
      expect(r.stdout).not.toContain('<yandex>');
    }
  });
});
