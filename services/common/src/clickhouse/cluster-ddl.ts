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
 *  - every such table gets a Distributed twin `<table>_dist` over the cluster, sharded by
 *    sipHash64(service_id) where the table has a service id (all of a service's rows, and every
 *    redelivered copy of one, live on one shard, so FINAL and uniqExact stay exact per shard),
 *    else by its first sorting-key column. Reads that must span shards go through `_dist`; with
 *    one shard (what runs here) the local tables already hold everything.
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

/** The sharding key of a table's Distributed twin: service id if it has one, else its first sorting-key column. */
export function shardingKey(createTable: string): string {
  if (/^\s*service_id\s+String\b/m.test(createTable)) return 'sipHash64(service_id)';
  const order = /\bORDER BY\s*\(?\s*([A-Za-z_][A-Za-z0-9_]*)/i.exec(createTable)?.[1];
  return order ? `sipHash64(${order})` : 'rand()';
}

function onCluster(statement: string, head: RegExp, cluster: string): string {
  return statement.replace(head, (m) => `${m} ON CLUSTER ${cluster}`);
}

/** One statement of a migration, as the runner sends it to a cluster (one or more statements). */
export function translateForCluster(statement: string, t: ClusterTarget): string[] {
  if (!IDENT.test(t.cluster)) throw new Error(`not a cluster name: ${t.cluster}`);
  const s = statement.trim();
  if (/\bON\s+CLUSTER\b/i.test(s)) return [s];

  const createDb = new RegExp(String.raw`^CREATE\s+DATABASE\s+(?:IF\s+NOT\s+EXISTS\s+)?${NAME}`, 'i');
  if (createDb.test(s)) return [onCluster(s, createDb, t.cluster)];

  const createTable = new RegExp(String.raw`^CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?${NAME}`, 'i');
  const table = createTable.exec(s);
  if (table) {
    const fullName = table[1]!;
    const name = fullName.includes('.') ? fullName.slice(fullName.indexOf('.') + 1) : fullName;
    const engine = /\bENGINE\s*=\s*(\w*)MergeTree\s*\(([^)]*)\)/i.exec(s);
    if (!engine || /^Replicated/i.test(engine[1]!)) return [onCluster(s, createTable, t.cluster)];
    const args = engine[2]!.trim();
    const path = `'/clickhouse/tables/{shard}/${t.database}/${name}', '{replica}'`;
    const replicated = s.replace(engine[0], `ENGINE = Replicated${engine[1]}MergeTree(${path}${args ? `, ${args}` : ''})`);
    const ifNotExists = /^CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS/i.test(s) ? 'IF NOT EXISTS ' : '';
    const dist = `CREATE TABLE ${ifNotExists}${fullName}_dist ON CLUSTER ${t.cluster} AS ${fullName}
ENGINE = Distributed(${t.cluster}, ${t.database}, ${name}, ${shardingKey(s)})`;
    return [onCluster(replicated, createTable, t.cluster), dist];
  }

  const createView = new RegExp(String.raw`^CREATE\s+(?:MATERIALIZED\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?${NAME}`, 'i');
  if (createView.test(s)) {
    const inner = /\bENGINE\s*=\s*(\w*)MergeTree\s*\(([^)]*)\)/i.exec(s);
    const name = createView.exec(s)![1]!;
    const view = inner && !/^Replicated/i.test(inner[1]!)
      ? s.replace(inner[0], `ENGINE = Replicated${inner[1]}MergeTree('/clickhouse/tables/{shard}/${t.database}/${name.slice(name.indexOf('.') + 1)}_inner', '{replica}'${inner[2]!.trim() ? `, ${inner[2]!.trim()}` : ''})`)
      : s;
    return [onCluster(view, createView, t.cluster)];
  }

  const drop = new RegExp(String.raw`^DROP\s+(?:TABLE|VIEW|DATABASE|DICTIONARY)\s+(?:IF\s+EXISTS\s+)?${NAME}`, 'i');
  if (drop.test(s)) {
    const out = [onCluster(s, drop, t.cluster)];
    // A dropped table's Distributed twin goes with it.
    const dropped = /^DROP\s+TABLE\s+(IF\s+EXISTS\s+)?(\S+)/i.exec(s);
    if (dropped && !dropped[2]!.endsWith('_dist')) out.push(`DROP TABLE IF EXISTS ${dropped[2]}_dist ON CLUSTER ${t.cluster}`);
    return out;
  }

  const alter = new RegExp(String.raw`^ALTER\s+TABLE\s+${NAME}`, 'i');
  const altered = alter.exec(s);
  if (altered) {
    const out = [onCluster(s, alter, t.cluster)];
    // Column changes must reach the Distributed twin too (partitions and mutations have none).
    if (/\b(ADD|DROP|MODIFY|RENAME)\s+COLUMN\b/i.test(s)) out.push(onCluster(s.replace(altered[1]!, `${altered[1]}_dist`), alter, t.cluster));
    return out;
  }

  const rename = /^RENAME\s+TABLE\b[\s\S]*/i;
  if (rename.test(s)) return [`${s} ON CLUSTER ${t.cluster}`];

  return [s];
}
