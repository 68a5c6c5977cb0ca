/**
 * The numbered migrations, translated for a ClickHouse cluster (cluster mode).
 *
 * Migrations are written once, for one server (schemas/clickhouse; never edited once landed).
 * On a cluster the runner sends each statement translated:
 *  - DDL gets `ON CLUSTER <cluster>`, so every replica of every shard runs it (through the
 *    distributed DDL queue in ZooKeeper);
 *  - a *MergeTree engine becomes its Replicated* twin, at
 *    `/clickhouse/tables/{shard}/<db>/<table>` with replica name `{replica}` (the server's macros,
 *    written by infra/cluster.sh): replicas of one shard hold the same parts;
 *  - no Distributed tables: with one shard (what cluster mode runs) every replica's local tables
 *    hold everything, and nothing would read or write a Distributed twin. They also broke an
 *    ALTER ... ADD COLUMN ON CLUSTER on 18.16 (Code 371: a Distributed table "isn't replicated,
 *    but shard #1 is replicated"). How more shards would be added (by service id): README
 *    "Single node or cluster".
 * Materialized views stay local to each replica: a view fires on the replica that received the
 * insert and writes into its Replicated target, which copies the result to the other replicas.
 * Statements that are not DDL (INSERT ... SELECT) run once, on the server the runner talks to.
 */

export interface ClusterTarget {
  /** The cluster's name in the servers' <remote_servers> (DOWNRADAR_CLICKHOUSE_CLUSTER). */
  cluster: string;
  /** The database the migration is applied to (`${DB}`), part of every table's ZooKeeper path. */
  database: string;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NAME = String.raw`([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)`;

function onCluster(statement: string, head: RegExp, cluster: string): string {
  return statement.replace(head, (m) => `${m} ON CLUSTER ${cluster}`);
}

/** One statement of a migration, as the runner sends it to a cluster. */
export function translateForCluster(statement: string, t: ClusterTarget): string {
  if (!IDENT.test(t.cluster)) throw new Error(`not a cluster name: ${t.cluster}`);
  const s = statement.trim();
  if (/\bON\s+CLUSTER\b/i.test(s)) return s;

  const createDb = new RegExp(String.raw`^CREATE\s+DATABASE\s+(?:IF\s+NOT\s+EXISTS\s+)?${NAME}`, 'i');
  if (createDb.test(s)) return onCluster(s, createDb, t.cluster);

  const createTable = new RegExp(String.raw`^CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?${NAME}`, 'i');
  const table = createTable.exec(s);
  if (table) {
    const fullName = table[1]!;
    const name = fullName.includes('.') ? fullName.slice(fullName.indexOf('.') + 1) : fullName;
    const engine = /\bENGINE\s*=\s*(\w*)MergeTree\s*\(([^)]*)\)/i.exec(s);
    if (!engine || /^Replicated/i.test(engine[1]!)) return onCluster(s, createTable, t.cluster);
    const args = engine[2]!.trim();
    const path = `'/clickhouse/tables/{shard}/${t.database}/${name}', '{replica}'`;
    const replicated = s.replace(engine[0], `ENGINE = Replicated${engine[1]}MergeTree(${path}${args ? `, ${args}` : ''})`);
    return onCluster(replicated, createTable, t.cluster);
  }

  const createView = new RegExp(String.raw`^CREATE\s+(?:MATERIALIZED\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?${NAME}`, 'i');
  if (createView.test(s)) {
    const inner = /\bENGINE\s*=\s*(\w*)MergeTree\s*\(([^)]*)\)/i.exec(s);
    const name = createView.exec(s)![1]!;
    const view = inner && !/^Replicated/i.test(inner[1]!)
      ? s.replace(inner[0], `ENGINE = Replicated${inner[1]}MergeTree('/clickhouse/tables/{shard}/${t.database}/${name.slice(name.indexOf('.') + 1)}_inner', '{replica}'${inner[2]!.trim() ? `, ${inner[2]!.trim()}` : ''})`)
      : s;
    return onCluster(view, createView, t.cluster);
  }

  const drop = new RegExp(String.raw`^DROP\s+(?:TABLE|VIEW|DATABASE|DICTIONARY)\s+(?:IF\s+EXISTS\s+)?${NAME}`, 'i');
  if (drop.test(s)) return onCluster(s, drop, t.cluster);

  const alter = new RegExp(String.raw`^ALTER\s+TABLE\s+${NAME}`, 'i');
  if (alter.test(s)) return onCluster(s, alter, t.cluster);

  const rename = /^RENAME\s+TABLE\b[\s\S]*/i;
  if (rename.test(s)) return `${s} ON CLUSTER ${t.cluster}`;

  return s;
}
