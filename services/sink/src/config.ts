import { baseConfig, bool, defineConfig, int, str, type ConfigOf } from '@downradar/common';

export const sinkConfigSpec = defineConfig({
  ...baseConfig,
  sinkHost: str('address of the sink\'s /metrics and /healthz', '127.0.0.1'),
  sinkPort: int('port of the sink\'s /metrics and /healthz (0 = any free port)', 8082, 0, 65535),
  sinkGroupId: str('Kafka consumer group of the sink', 'downradar-sink', { pattern: /^[A-Za-z0-9._-]{1,200}$/ }),
  sinkConcurrency: int('partition batches handled at once (their rows are inserted together)', 8, 1, 256),
  sinkProcesses: int('processes of the sink, each its own group members (one per core: JSON decoding and row encoding then run in parallel)', 1, 1, 64),
  sinkConsumers: int('consumer group members in this process: while one waits for ClickHouse, another fetches and maps', 2, 1, 64),
  sinkSessionTimeoutMs: int(
    'Kafka session timeout of the sink\'s group: after a broker restart the group waits this long for its members from before the crash',
    10_000,
    6_000,
    300_000,
  ),
  // 100,000 (was 20,000): the runner hands a partition's batch on in chunks of this many and waits
  // for each chunk's insert before it hands the next, so on a backlog small chunks made a chain of
  // small inserts (bench:sink: 20 of 25,000 rows against 7-11 of 45,000-71,000, README's sink row).
  sinkMaxChunk: int('most messages of one partition batch handed to the batch handler at a time (their insert is awaited before the next)', 100_000, 1, 1_000_000),
  sinkMigrate: bool('apply schemas/clickhouse migrations at start (idempotent)', true),
  sinkFetchMaxBytes: int('most bytes one Kafka fetch brings (bigger fetches, fewer and larger inserts)', 50 * 1024 * 1024, 1024 * 1024, 1024 * 1024 * 1024),
  // Fewer, larger inserts: every insert makes new parts in the raw tables and their rollup views,
  // which ClickHouse then merges, so on a live stream its CPU follows the inserts, not the rows
  // (bench:e2e, session 9: 1 s / 8 MiB against 250 ms / 1 MiB cut ClickHouse's CPU by about 2x
  // and the pipeline's CPU an event by 1.27x). The price: a row reaches ClickHouse up to about a
  // second after Kafka has it. The detector reads Kafka, so detection does not wait for it.
  sinkFetchMinBytes: int('the broker waits (at most sinkFetchMaxWaitMs) until this many bytes are there', 8 * 1024 * 1024, 1, 100 * 1024 * 1024),
  sinkFetchMaxWaitMs: int('most time the broker waits to fill a fetch', 1000, 0, 10_000),
  // One insert per table for every group member's fetches: with the fetch wait alone each
  // member's fetch made its own group, about 1.2 inserts a second per table. On this machine
  // ClickHouse's live CPU is mostly the kernel creating each new part's files (ext4 without a
  // journal: the inode allocator steps over every recently deleted inode), so it follows the
  // parts made. bench:e2e at 0.02: 2 s against none, ClickHouse's CPU about halved (README, "The
  // five-minute day, measured"). The price: a row reaches ClickHouse up to about 3 s after Kafka
  // has it (1 s fetch wait, 2 s interval, the insert).
  sinkFlushIntervalMs: int('most often the sink inserts: a group of rows is sealed no sooner than this after the previous one (fewer, larger inserts and parts; a row reaches ClickHouse up to about this much later)', 2000, 0, 60_000),
  // The detector's outputs (scores, alerts, trends) are a few % of the rows but, each insert
  // making a part of 50-60 files in its table (and alerts one more in incidents), a third of the
  // parts a live day makes. With this set their partitions are paused once a live batch of theirs
  // is in hand and resumed every this many ms, so their rows go in that often instead of every
  // flush interval; reports, posts and signals are not affected, and a backlog (a batch
  // BEHIND_MESSAGES behind its partition's end) is never paused. Off by default: at 0.05 (bench:e2e,
  // six pairs, README's "clickhouse in the live day, session 17") 10,000 halved their parts and
  // merges and ClickHouse's CPU was lower in 4 of 6 pairs (medians 11.75 -> 9.45 s), but the run
  // order moved it as much; the pipeline's CPU an event showed no difference. At scale 1, one run each
  // way (README's e2e rows of session 17): ClickHouse 220.0 -> 189.5 CPU s, the day 726.4 -> 693.7 s;
  // one pair, and the price is fresher rows, so the default stays 0.
  sinkDetectorIntervalMs: int('how often the detector\'s outputs (scores, alerts, trends) are fetched on a live stream (0 = with every fetch, as the other topics)', 0, 0, 60_000),
  // Off by default: with the spawn clock (start-up included) the thread's second of loading cost more than it saved
  // (bench:sink medians 90,844 rows/s with it, 100,425 without; README's sink row). Session 13: it
  // loads in the background now (the main thread maps until it has): bench:sink ratio 0.567 with
  // it against 0.542 (medians of three pairs), still under 0.6, and the live day was not measured
  // with it (services/sink/README.md, "Figures"). Session 14 measured it on the live day
  // (bench:e2e at 0.02, interleaved with 0): more of the sink's CPU, a longer day and about 65 MB
  // more RSS, so it stays off (it paid only on bench:sink's backlog of reports, session 13).
  sinkDecodeThreads: int('threads that parse, check and encode reports messages beside the main thread (0: all on the main thread)', 0, 0, 8),
  sinkTrace: bool('log a line per mapped batch, encoded insert body and group insert with their times (for bench/lib/sink-trace.ts; costs a little CPU)', false),
  sinkInsertTimeoutMs: int('give up on one ClickHouse request after this long (then retry)', 30_000, 100, 600_000),
  sinkInsertQuorum: int(
    'replicas that must have an insert before ClickHouse acknowledges it (insert_quorum; 0 = no quorum, one server; 2 in cluster mode: offsets are committed only for rows on two replicas)',
    0,
    0,
    16,
  ),
  sinkInsertQuorumTimeoutMs: int('how long an insert waits for its quorum before it fails (and is retried); below sinkInsertTimeoutMs', 20_000, 1000, 600_000),
});

export type SinkConfig = ConfigOf<typeof sinkConfigSpec>;
