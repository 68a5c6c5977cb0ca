/**
 * The peer floor of the e2e day (issue 17): what the best tools pay, in CPU, to move exactly the
 * volume the pipeline moved in the same bench:e2e run, so that the pipeline's CPU an event can be
 * read against the least any implementation on this machine, with this broker and this
 * ClickHouse, would spend on the same data movement.
 *
 * What the day moves (`DayVolume`, counted after the run by bench/lib/e2e-floor-peers.ts): each
 * topic's messages and bytes (key + value, read back read_committed) with the consumer groups that
 * committed offsets on it, and each table's rows as the sink inserted them (the rollups' views
 * fire on the peer's inserts as on the sink's). What the peers pay (`PeerCost`, one step each):
 *  - produce: Kafka's ProducerPerformance writes each topic's messages at their mean size,
 *    acks=all, idempotent (no keys: its sticky partitioner fills one batch at a time, its best case);
 *  - consume: Kafka's ConsumerPerformance reads them back once per consumer group that read the topic;
 *  - insert: clickhouse-client inserts each table's rows (Native format, the run's own rows) into
 *    a fresh database with the real tables and views.
 * Each step's CPU is the tool's own plus the broker's and the ClickHouse server's meanwhile. A
 * tool's start-up (the JVM and its JIT's warm-up, connecting, a group join) does not grow with the
 * day: it is measured once per kind of step (startUpFromTwoRuns: two runs of the tool, the cost
 * at 0 records; clickhouse-client, no JIT: a one-row insert) and taken off each step, so that the floor can be
 * scaled to the full day: the steps that moved reports, posts, signals and their rows by the
 * run's scale, those that moved the detector's outputs per window (about the same at any scale:
 * PER_DAY_TOPICS) as they are. The floor leaves out what is not moving data: receiving
 * the events over HTTP, validating and shaping them, detection; and it gives the peers their best
 * case (one backlog, large batches, one insert per table instead of a live stream, idempotence
 * instead of the detector's transactions): it is a lower bound on what the day costs, not a design.
 *
 * `peer_floor_s` = the full day's floor CPU / the machine's cores: the least wall time the day
 * could take on this machine if nothing but the floor ran and both cores were busy with it.
 */

/**
 * The detector's outputs per window: one score per service per window, the windows' hand-off,
 * incident events, hashtag windows. Their volume follows the day's length and its services far
 * more than its events (scale 0.0005 -> 0.02, 40 times the events: scores 24,454 -> 33,357
 * messages, the windows' hand-off 7.3 -> 11.2 MB, alerts 31 -> 42), so they are not scaled to the
 * full day: a lower bound for them. Everything else follows the events and is scaled: reports,
 * posts, signals, the dlq, and the detector's checkpoints (written per transaction, 109 messages
 * and 0.2 MB -> 5,457 and 96 MB over the same 40 times).
 */
export const PER_DAY_TOPICS: ReadonlySet<string> = new Set(['scores', 'alerts', 'trends', 'detectorWindows']);
export const PER_DAY_TABLES: ReadonlySet<string> = new Set(['scores', 'incident_events', 'trends']);

/** One topic of the run: what was written to it and how many consumer groups read it. */
export interface TopicVolume {
  /** the topic's key in topicNames() (reports, signals, ...) */
  topic: string;
  messages: number;
  /** key + value (+ header) bytes of every message */
  bytes: number;
  /** consumer groups of the run that committed offsets on the topic */
  readers: number;
  partitions: number;
}

/** One table the sink inserts into, with the rows the run inserted (redeliveries included). */
export interface TableVolume {
  table: string;
  rows: number;
}

export interface DayVolume {
  /** reports + posts the replay sent */
  events: number;
  topics: TopicVolume[];
  tables: TableVolume[];
}

export type PeerKind = 'produce' | 'consume' | 'insert';

/** CPU seconds of one peer step: the tool's own (with its children) and the servers' meanwhile. */
export interface PeerCost {
  kind: PeerKind;
  /** what the step moved, for the log ("produce signals: 12,345 x 1,020 B") */
  label: string;
  toolS: number;
  kafkaS: number;
  clickhouseS: number;
  wallS: number;
  /** the step moved a per-day volume (PER_DAY_TOPICS, PER_DAY_TABLES): not scaled to the full day */
  perDay: boolean;
  /**
   * false for a step that starts no tool (waiting for ClickHouse's merges after the inserts): no
   * start-up to take off
   */
  startsTool: boolean;
}

export interface PeerFloorInput {
  volume: DayVolume;
  /** every step that moved the day's volume */
  steps: PeerCost[];
  /** one run of each kind that moved (almost) nothing: the tool's start-up, taken off each step of that kind */
  fixed: Record<PeerKind, PeerCost>;
  /** the run's scale of the scenario (events / scale = the full day's events) */
  scale: number;
  cores: number;
  /** the pipeline's CPU an event in the same run (ingest, detector, sink, broker, ClickHouse) */
  pipelineCpuUsPerEvent: number;
}

export interface PeerFloor {
  /** floor CPU seconds of this run's volume, start-ups taken off */
  cpuS: number;
  /** what the start-ups were (summed over the steps they were taken off) */
  fixedS: number;
  cpuUsPerEvent: number;
  /** per kind and per process, µs an event (each sums to cpuUsPerEvent) */
  byKindUsPerEvent: Record<PeerKind, number>;
  byProcessUsPerEvent: { tool: number; kafka: number; clickhouse: number };
  fullDayEvents: number;
  /** what of cpuS was per-day volume (not scaled) */
  perDayCpuS: number;
  /**
   * the floor for the full day (scale 1), CPU seconds: the per-event steps over the scale, the
   * per-day steps as they are
   */
  fullDayCpuS: number;
  /** fullDayCpuS over the full day's events */
  fullDayCpuUsPerEvent: number;
  /** fullDayCpuS / cores: the least wall time on this machine */
  fullDayS: number;
  /** the pipeline's CPU an event over the floor's (how many times the best tools' cost) */
  pipelineToFloor: number;
}

/**
 * A tool's start-up from two runs of it that moved `small` and `large` records: where the line
 * through the two meets 0 records, per process, none below 0. A JVM tool's first seconds cost
 * more than its start-up alone: its JIT compiles the hot paths while the first records go (Kafka's
 * ProducerPerformance: 3.0-3.5 s of CPU to send one record, about 7.4 s for 288,289 records at
 * scale 0.02), so a run of one record would leave the warm-up in each step and overstate a small
 * run's floor. The line's slope is the tool's warm cost a record; its intercept, start-up and
 * warm-up together, is what is taken off each step of that kind.
 */
export function startUpFromTwoRuns(small: PeerCost, smallRecords: number, large: PeerCost, largeRecords: number): PeerCost {
  if (!(largeRecords > smallRecords && smallRecords >= 0)) throw new Error('start-up: the large run must move more records than the small one');
  const at0 = (s: number, l: number) => Math.max(0, s - ((l - s) * smallRecords) / (largeRecords - smallRecords));
  return {
    ...small,
    label: `${small.kind} start-up and warm-up (from ${smallRecords} and ${largeRecords} records)`,
    toolS: at0(small.toolS, large.toolS),
    kafkaS: at0(small.kafkaS, large.kafkaS),
    clickhouseS: at0(small.clickhouseS, large.clickhouseS),
    wallS: at0(small.wallS, large.wallS),
  };
}

/** A step's CPU with its kind's start-up taken off, each process apart and none below zero. */
export function marginal(step: PeerCost, fixed: PeerCost): { toolS: number; kafkaS: number; clickhouseS: number } {
  return {
    toolS: Math.max(0, step.toolS - fixed.toolS),
    kafkaS: Math.max(0, step.kafkaS - fixed.kafkaS),
    clickhouseS: Math.max(0, step.clickhouseS - fixed.clickhouseS),
  };
}

export function peerFloor(input: PeerFloorInput): PeerFloor {
  const { volume, steps, fixed, scale, cores } = input;
  if (!(volume.events > 0)) throw new Error('peer floor: no events');
  if (!(scale > 0)) throw new Error('peer floor: the scale must be above 0');
  const byKind: Record<PeerKind, number> = { produce: 0, consume: 0, insert: 0 };
  const byProcess = { tool: 0, kafka: 0, clickhouse: 0 };
  let fixedS = 0;
  let perDayCpuS = 0;
  for (const step of steps) {
    const m = step.startsTool ? marginal(step, fixed[step.kind]) : { toolS: step.toolS, kafkaS: step.kafkaS, clickhouseS: step.clickhouseS };
    byKind[step.kind] += m.toolS + m.kafkaS + m.clickhouseS;
    byProcess.tool += m.toolS;
    byProcess.kafka += m.kafkaS;
    byProcess.clickhouse += m.clickhouseS;
    fixedS += step.toolS + step.kafkaS + step.clickhouseS - (m.toolS + m.kafkaS + m.clickhouseS);
    if (step.perDay) perDayCpuS += m.toolS + m.kafkaS + m.clickhouseS;
  }
  const cpuS = byProcess.tool + byProcess.kafka + byProcess.clickhouse;
  const us = (s: number) => (s * 1e6) / volume.events;
  const cpuUsPerEvent = us(cpuS);
  const fullDayEvents = Math.round(volume.events / scale);
  const fullDayCpuS = (cpuS - perDayCpuS) / scale + perDayCpuS;
  return {
    cpuS,
    fixedS,
    perDayCpuS,
    fullDayCpuUsPerEvent: (fullDayCpuS * 1e6) / fullDayEvents,
    cpuUsPerEvent,
    byKindUsPerEvent: { produce: us(byKind.produce), consume: us(byKind.consume), insert: us(byKind.insert) },
    byProcessUsPerEvent: { tool: us(byProcess.tool), kafka: us(byProcess.kafka), clickhouse: us(byProcess.clickhouse) },
    fullDayEvents,
    fullDayCpuS,
    fullDayS: fullDayCpuS / cores,
    pipelineToFloor: cpuUsPerEvent > 0 ? input.pipelineCpuUsPerEvent / cpuUsPerEvent : NaN,
  };
}

/**
 * The consume steps of a volume: pass k reads every topic that k or more groups read (pass 1 every
 * topic read at all, pass 2 those read twice, ...), so one consumer process per pass reads each
 * topic as often as the run's groups did; per-event and per-day topics in passes of their own
 * (only the first are scaled to the full day).
 */
export function consumePasses(topics: readonly TopicVolume[]): { perDay: boolean; topics: TopicVolume[] }[] {
  const passes: { perDay: boolean; topics: TopicVolume[] }[] = [];
  for (const perDay of [false, true]) {
    const own = topics.filter((t) => PER_DAY_TOPICS.has(t.topic) === perDay && t.messages > 0);
    const most = Math.max(0, ...own.map((t) => t.readers));
    for (let k = 1; k <= most; k++) passes.push({ perDay, topics: own.filter((t) => t.readers >= k) });
  }
  return passes;
}

/** A message's mean size, the record size the producer tool writes for a topic (at least 1 byte). */
export const meanRecordBytes = (t: TopicVolume): number => Math.max(1, Math.round(t.bytes / Math.max(1, t.messages)));

/** detectorState -> detector_state (e2e.json's names are snake_case). */
const snake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]+/g, '_').toLowerCase();

/** The floor's figures in e2e.json. */
export function floorFigures(f: PeerFloor, v: DayVolume): Record<string, number> {
  const r = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
  const out: Record<string, number> = {
    peer_floor_cpu_s: r(f.fullDayCpuS, 0),
    peer_floor_s: r(f.fullDayS, 0),
    peer_floor_cpu_us_per_event: r(f.cpuUsPerEvent, 1),
    peer_floor_full_day_cpu_us_per_event: r(f.fullDayCpuUsPerEvent, 1),
    peer_floor_run_per_day_cpu_s: r(f.perDayCpuS, 2),
    peer_floor_run_cpu_s: r(f.cpuS, 2),
    peer_floor_fixed_cpu_s: r(f.fixedS, 2),
    peer_floor_full_day_events: f.fullDayEvents,
    pipeline_to_peer_floor_cpu_ratio: r(f.pipelineToFloor, 2),
  };
  for (const [k, x] of Object.entries(f.byKindUsPerEvent)) out[`peer_floor_${k}_cpu_us_per_event`] = r(x, 1);
  for (const [k, x] of Object.entries(f.byProcessUsPerEvent)) out[`peer_floor_${k}_cpu_us_per_event`] = r(x, 1);
  for (const t of v.topics) {
    if (t.messages === 0) continue;
    const key = snake(t.topic);
    out[`day_${key}_messages`] = t.messages;
    out[`day_${key}_bytes`] = t.bytes;
    out[`day_${key}_readers`] = t.readers;
  }
  for (const t of v.tables) if (t.rows > 0) out[`day_${snake(t.table)}_rows`] = t.rows;
  return out;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');

/** What the day moved, one line. */
export function describeVolume(v: DayVolume): string {
  const topics = v.topics.filter((t) => t.messages > 0).map((t) => `${t.topic} ${n(t.messages)} x ${n(meanRecordBytes(t))} B, read by ${t.readers}`);
  const tables = v.tables.filter((t) => t.rows > 0).map((t) => `${t.table} ${n(t.rows)}`);
  return `${n(v.events)} events moved: topics ${topics.join('; ')}; rows ${tables.join(', ')}`;
}

/** The floor, one line. */
export function describeFloor(f: PeerFloor, cores: number, pipelineCpuUsPerEvent: number): string {
  const k = f.byKindUsPerEvent;
  const p = f.byProcessUsPerEvent;
  return (
    `peer floor: ${f.cpuUsPerEvent.toFixed(1)} µs CPU an event (produce ${k.produce.toFixed(1)}, consume ${k.consume.toFixed(1)}, insert ${k.insert.toFixed(1)}; ` +
    `tools ${p.tool.toFixed(1)}, broker ${p.kafka.toFixed(1)}, ClickHouse ${p.clickhouse.toFixed(1)}), ${f.cpuS.toFixed(1)} CPU s for this run after ${f.fixedS.toFixed(1)} s of tool start-ups; ` +
    `the full day (${n(f.fullDayEvents)} events; the detector's outputs per window, ${f.perDayCpuS.toFixed(1)} s of this run, not scaled): ${n(f.fullDayCpuS)} CPU s = ${f.fullDayCpuUsPerEvent.toFixed(1)} µs an event = ${n(f.fullDayS)} s on ${cores} cores at best (five minutes: ${f.fullDayS <= 300 ? 'within the floor' : 'below the floor, out of reach on this machine'}); ` +
    `the pipeline ${pipelineCpuUsPerEvent.toFixed(0)} µs an event = ${f.pipelineToFloor.toFixed(2)} x the floor`
  );
}
