/**
 * SQL accounts for tests against the real ClickHouse: the `analyst` account of the running
 * stack, and throwaway accounts with the analyst's profile for a throwaway database.
 *
 * ClickHouse 18.16 has no CREATE USER: accounts live in users.xml, which the server re-reads
 * within seconds, and in users.d/*.xml beside it, merged into it. A throwaway account is one
 * file there, removed again by drop(). It names the very `analyst` profile of
 * infra/clickhouse/users.sh, so what it may do is what an analyst may do; only its databases
 * (and, when asked, its quota) differ.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSecretFile, type ClickHouseAccount } from '../clickhouse/client';
import { dataDir } from '../lifecycle';

/** The stack's ClickHouse directory (infra/clickhouse/clickhouse.sh: <data>/clickhouse). */
export const clickhouseDir = (env: NodeJS.ProcessEnv = process.env) => `${env.DOWNRADAR_DATA_DIR ?? dataDir}/clickhouse`;

/** The `analyst` account of the running stack (its password as infra/clickhouse/users.sh keeps it). */
export function analystAccount(env: NodeJS.ProcessEnv = process.env): ClickHouseAccount {
  const password = env.DOWNRADAR_CLICKHOUSE_ANALYST_PASSWORD || readSecretFile(`${env.DOWNRADAR_DATA_DIR ?? dataDir}/clickhouse-analyst-password`);
  if (password === undefined) throw new Error('no analyst password: start the stack first (npm run stack:up)');
  return { username: 'analyst', password };
}

/** The native port the running server listens on, from its generated config. */
export function clickhouseTcpPort(env: NodeJS.ProcessEnv = process.env): number {
  const xml = readFileSync(`${clickhouseDir(env)}/config.xml`, 'utf8');
  const port = Number(/<tcp_port>(\d+)<\/tcp_port>/.exec(xml)?.[1]);
  if (!Number.isInteger(port)) throw new Error(`no <tcp_port> in ${clickhouseDir(env)}/config.xml`);
  return port;
}

/** HTTP headers that log in as `account` (ClickHouse's own headers: nothing in the URL). */
export function clickhouseAuthHeaders(account: ClickHouseAccount): Record<string, string> {
  return { 'x-clickhouse-user': account.username, 'x-clickhouse-key': account.password };
}

/**
 * clickhouse-client as `account`, through a client config file (mode 600), so the password is
 * never on a command line. `args` are the client's other arguments.
 */
export function clickhouseClientAs(account: ClickHouseAccount, args: string[], opts: { timeoutMs?: number; input?: string } = {}): SpawnSyncReturns<string> {
  const file = join(tmpdir(), `downradar-client-${randomBytes(6).toString('hex')}.xml`);
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  writeFileSync(
    file,
    `<config><host>127.0.0.1</host><port>${clickhouseTcpPort()}</port><user>${esc(account.username)}</user><password>${esc(account.password)}</password></config>\n`,
    { mode: 0o600 },
  );
  try {
    return spawnSync('clickhouse-client', ['--config-file', file, ...args], { encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000, ...(opts.input === undefined ? {} : { input: opts.input }) });
  } finally {
    rmSync(file, { force: true });
  }
}

export interface QuotaPerHour {
  queries?: number;
  readRows?: number;
  executionTimeS?: number;
}

export interface SqlTestUser extends ClickHouseAccount {
  /** Removes the account again (the server forgets it within seconds). */
  drop(): Promise<void>;
}

/**
 * A throwaway account with the analyst's profile, limited to `databases`. Its quota is the
 * analyst's (counted per account name, so its own budget) unless `quota` gives it a smaller one.
 * Resolves once the server accepts the account.
 */
export async function createSqlTestUser(opts: { databases: string[]; quota?: QuotaPerHour; profile?: string; timeoutMs?: number }): Promise<SqlTestUser> {
  const username = `t_sql_${randomBytes(5).toString('hex')}`;
  const password = randomBytes(16).toString('hex');
  for (const db of opts.databases) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(db)) throw new Error(`bad database name ${db}`);
  const quotaName = opts.quota ? username : 'analyst';
  const quotaXml = opts.quota
    ? `<quotas><${quotaName}><interval><duration>3600</duration><queries>${opts.quota.queries ?? 0}</queries><errors>0</errors>` +
      `<result_rows>0</result_rows><read_rows>${opts.quota.readRows ?? 0}</read_rows><execution_time>${opts.quota.executionTimeS ?? 0}</execution_time></interval></${quotaName}></quotas>`
    : '';
  const xml =
    `<?xml version="1.0"?>\n<!-- A throwaway test account (services/common/src/testing/sql-users.ts); safe to delete. -->\n<yandex><users><${username}>` +
    `<password_sha256_hex>${createHash('sha256').update(password).digest('hex')}</password_sha256_hex>` +
    `<networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>${opts.profile ?? 'analyst'}</profile><quota>${quotaName}</quota>` +
    `<allow_databases>${opts.databases.map((d) => `<database>${d}</database>`).join('')}</allow_databases>` +
    `</${username}></users>${quotaXml}</yandex>\n`;
  const dir = `${clickhouseDir()}/users.d`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/${username}.xml`;
  writeFileSync(file, xml, { mode: 0o600 });
  const account = { username, password };
  const drop = async () => {
    rmSync(file, { force: true });
  };
  // Not a query (that would count against a small quota): a login the server accepts or refuses.
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    if (await loginAccepted(account)) return { ...account, drop };
    if (Date.now() > deadline) {
      await drop();
      throw new Error(`ClickHouse did not pick up the test account ${username} from ${file} within ${opts.timeoutMs ?? 30_000} ms`);
    }
    await new Promise((res) => setTimeout(res, 250));
  }
}

const httpUrl = () => process.env.DOWNRADAR_CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';

/**
 * Whether the server knows the account and its password. A request with an unsupported format
 * fails after the login and before any query is run, so it costs no quota.
 */
async function loginAccepted(account: ClickHouseAccount): Promise<boolean> {
  const res = await fetch(`${httpUrl()}/?query=`, { method: 'POST', headers: clickhouseAuthHeaders(account) }).catch(() => undefined);
  if (!res) return false;
  const text = await res.text();
  return !/Code: (192|193|194|195|516)\b/.test(text);
}
