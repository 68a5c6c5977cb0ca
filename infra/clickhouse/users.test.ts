/**
 * infra/clickhouse/users.sh, the generator of ClickHouse's accounts: what it writes for 18.16 and
 * for servers with settings constraints, how the environment changes it, and that it keeps only
 * password hashes in users.xml and keeps the generated passwords from one start to the next.
 * (tests/sql-hostile.integration.test.ts tries the result against the real server.)
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const script = new URL('./users.sh', import.meta.url).pathname;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function users(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DOWNRADAR_CLICKHOUSE_')));
  return spawnSync('bash', [script, ...args], { encoding: 'utf8', env: { ...clean, ...env } });
}

function wellFormed(xml: string): boolean {
  const r = spawnSync('python3', ['-c', 'import sys, xml.dom.minidom; xml.dom.minidom.parseString(sys.stdin.read())'], { input: xml, encoding: 'utf8' });
  return r.status === 0;
}

/** The text of <tag>...</tag> inside a block. */
const inner = (xml: string, tag: string) => new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml)?.[1] ?? '';
const users_ = (xml: string) => inner(xml, 'users');
const profiles = (xml: string) => inner(xml, 'profiles');
const quotas = (xml: string) => inner(xml, 'quotas');

describe('infra/clickhouse/users.sh', () => {
  it('gives 18.16 a read-only analyst with its limits and settings, a services account, and no default account', () => {
    const r = users(['print', '18.16.1']);
    expect(r.status, r.stderr).toBe(0);
    const xml = r.stdout;
    expect(wellFormed(xml)).toBe(true);
    const analystProfile = inner(profiles(xml), 'analyst');
    for (const [setting, value] of [
      ['readonly', '1'],
      ['allow_ddl', '0'],
      ['max_execution_time', '30'],
      ['max_memory_usage', '4000000000'],
      ['max_concurrent_queries_for_user', '4'],
      ['enable_optimize_predicate_expression', '1'],
    ] as const)
      expect(inner(analystProfile, setting), setting).toBe(value);
    // 18.16 reads every element of a profile as a setting: no <constraints> for it.
    expect(xml).not.toContain('<constraints>');

    const accounts = users_(xml);
    expect([...accounts.matchAll(/^ {8}<([a-z_]+)>$/gm)].map((m) => m[1])).toEqual(['downradar', 'analyst']);
    const analyst = inner(accounts, 'analyst');
    expect(inner(analyst, 'allow_databases').trim()).toBe('<database>downradar</database>');
    expect(inner(analyst, 'quota')).toBe('analyst');
    expect(inner(analyst, 'networks')).toBe('<ip>127.0.0.1</ip><ip>::1</ip>');
    expect(inner(inner(accounts, 'downradar'), 'networks')).toBe('<ip>127.0.0.1</ip><ip>::1</ip>');
    for (const account of [analyst, inner(accounts, "downradar")]) {
      expect(account).toMatch(/<password_sha256_hex>[0-9a-f]{64}<\/password_sha256_hex>/);
      expect(account).not.toMatch(/<password>/);
    }

    const q = inner(quotas(xml), 'analyst');
    expect(inner(q, 'duration')).toBe('3600');
    expect(inner(q, 'queries')).toBe('3600');
    expect(inner(q, 'execution_time')).toBe('1800');
    expect(inner(q, 'read_rows')).toBe('20000000000');
    // Counted per account name: no key a client could choose.
    expect(quotas(xml)).not.toMatch(/<keyed/);
  });

  it('adds settings constraints for servers that know them (19.14 and later)', () => {
    for (const [version, has] of [
      ['19.13.1', false],
      ['19.14.3', true],
      ['24.3.1.2672', true],
    ] as const) {
      const xml = users(['print', version]).stdout;
      expect(wellFormed(xml), version).toBe(true);
      expect(xml.includes('<constraints>'), version).toBe(has);
    }
    const constraints = inner(users(['print', '24.3']).stdout, 'constraints');
    for (const setting of ['readonly', 'max_execution_time', 'max_memory_usage', 'max_concurrent_queries_for_user', 'allow_ddl'])
      expect(constraints, setting).toContain(`<${setting}><readonly/></${setting}>`);
  });

  it('lets analysts in from other networks without opening the services account, and takes other limits', () => {
    const r = users(['print', '18.16'], {
      DOWNRADAR_CLICKHOUSE_ANALYST_NETWORKS: '10.1.0.0/16, 192.168.7.20',
      DOWNRADAR_CLICKHOUSE_ANALYST_MAX_EXECUTION_S: '60',
      DOWNRADAR_CLICKHOUSE_ANALYST_QUERIES_PER_HOUR: '100',
    });
    expect(r.status, r.stderr).toBe(0);
    const accounts = users_(r.stdout);
    expect(inner(inner(accounts, 'analyst'), 'networks')).toBe('<ip>10.1.0.0/16</ip><ip>192.168.7.20</ip>');
    expect(inner(inner(accounts, 'downradar'), 'networks')).toBe('<ip>127.0.0.1</ip><ip>::1</ip>');
    expect(inner(inner(profiles(r.stdout), 'analyst'), 'max_execution_time')).toBe('60');
    expect(inner(inner(quotas(r.stdout), 'analyst'), 'queries')).toBe('100');
  });

  it('refuses a bad network or a limit of 0 (which would mean none), naming the variable', () => {
    const bad = users(['print', '18.16'], { DOWNRADAR_CLICKHOUSE_ANALYST_NETWORKS: '10.0.0.0/8,<ip>evil</ip>' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('DOWNRADAR_CLICKHOUSE_ANALYST_NETWORKS');
    const zero = users(['print', '18.16'], { DOWNRADAR_CLICKHOUSE_ANALYST_ROWS_READ_PER_HOUR: '0' });
    expect(zero.status).not.toBe(0);
    expect(zero.stderr).toContain('DOWNRADAR_CLICKHOUSE_ANALYST_ROWS_READ_PER_HOUR must be a positive integer');
  });

  it('generates the passwords once (mode 600), keeps only their SHA-256 in users.xml, and writes client configs', () => {
    const data = mkdtempSync(join(tmpdir(), 'users-sh-'));
    const env = { DOWNRADAR_DATA_DIR: data, DOWNRADAR_CLICKHOUSE_SERVER_VERSION: '18.16.1' };
    const first = users(['write', '29000'], env);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout + first.stderr).toBe(''); // nothing printed, passwords least of all
    const services = readFileSync(`${data}/clickhouse-password`, 'utf8').trim();
    const analyst = readFileSync(`${data}/clickhouse-analyst-password`, 'utf8').trim();
    expect(services).toMatch(/^[0-9a-f]{48}$/);
    expect(analyst).toMatch(/^[0-9a-f]{48}$/);
    expect(analyst).not.toBe(services);
    for (const f of ['clickhouse-password', 'clickhouse-analyst-password', 'clickhouse/users.xml', 'clickhouse/analyst-client.xml', 'clickhouse/services-client.xml'])
      expect(statSync(`${data}/${f}`).mode & 0o777, f).toBe(0o600);
    const xml = readFileSync(`${data}/clickhouse/users.xml`, 'utf8');
    expect(xml).toContain(sha256(services));
    expect(xml).toContain(sha256(analyst));
    expect(xml).not.toContain(services);
    expect(xml).not.toContain(analyst);
    const client = readFileSync(`${data}/clickhouse/analyst-client.xml`, 'utf8');
    expect(wellFormed(client)).toBe(true);
    expect(client).toContain('<port>29000</port>');
    expect(client).toContain('<user>analyst</user>');
    expect(client).toContain(`<password>${analyst}</password>`);
    expect(readFileSync(`${data}/clickhouse/services-client.xml`, 'utf8')).toContain('<user>downradar</user>');

    // A second start keeps the passwords and leaves users.xml alone (a rewrite makes the server reload).
    const before = statSync(`${data}/clickhouse/users.xml`).mtimeMs;
    expect(users(['write', '29000'], env).status).toBe(0);
    expect(readFileSync(`${data}/clickhouse-password`, 'utf8').trim()).toBe(services);
    expect(statSync(`${data}/clickhouse/users.xml`).mtimeMs).toBe(before);

    // An analyst password from the environment replaces the generated one (XML-escaped in the client config).
    expect(users(['write', '29000'], { ...env, DOWNRADAR_CLICKHOUSE_ANALYST_PASSWORD: 'a<b&c' }).status).toBe(0);
    expect(readFileSync(`${data}/clickhouse/users.xml`, 'utf8')).toContain(sha256('a<b&c'));
    const escaped = readFileSync(`${data}/clickhouse/analyst-client.xml`, 'utf8');
    expect(escaped).toContain('<password>a&lt;b&amp;c</password>');
    expect(wellFormed(escaped)).toBe(true);
  });

  it('gives a cluster replica (its own directory) the same accounts and passwords, with client configs for its own port', () => {
    const data = mkdtempSync(join(tmpdir(), 'users-sh-'));
    const env = { DOWNRADAR_DATA_DIR: data, DOWNRADAR_CLICKHOUSE_SERVER_VERSION: '18.16.1' };
    // `secrets` only makes the passwords (cluster.sh needs the services' one before a replica starts).
    const secrets = users(['secrets'], env);
    expect(secrets.status, secrets.stderr).toBe(0);
    expect(secrets.stdout + secrets.stderr).toBe('');
    const services = readFileSync(`${data}/clickhouse-password`, 'utf8').trim();
    expect(services).toMatch(/^[0-9a-f]{48}$/);
    expect(statSync(`${data}/clickhouse-password`).mode & 0o777).toBe(0o600);
    expect(statSync(`${data}/clickhouse-analyst-password`).mode & 0o777).toBe(0o600);
    expect(() => statSync(`${data}/clickhouse/users.xml`)).toThrow();

    const replica = `${data}/cluster/clickhouse-2`;
    expect(users(['write', '29000'], env).status).toBe(0);
    const r = users(['write', '29031'], { ...env, DOWNRADAR_CLICKHOUSE_DIR: replica });
    expect(r.status, r.stderr).toBe(0);
    // The passwords made by `secrets` are the ones both servers know.
    expect(readFileSync(`${data}/clickhouse-password`, 'utf8').trim()).toBe(services);
    const xml = readFileSync(`${replica}/users.xml`, 'utf8');
    expect(xml).toBe(readFileSync(`${data}/clickhouse/users.xml`, 'utf8'));
    expect(xml).toContain(sha256(services));
    expect(statSync(`${replica}/users.xml`).mode & 0o777).toBe(0o600);
    const client = readFileSync(`${replica}/services-client.xml`, 'utf8');
    expect(client).toContain('<port>29031</port>');
    expect(client).toContain(`<password>${services}</password>`);
    expect(readFileSync(`${replica}/analyst-client.xml`, 'utf8')).toContain('<port>29031</port>');
  });
});
