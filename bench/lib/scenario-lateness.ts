/**
 * The lateness a scenario draws itself, with no pipeline: its events in emission order, each
 * event's signals made by services/nlp as ingest makes them (a report: one signal of its service;
 * a post: one per service its text is read as about), each signal on the partition of its service
 * over `partitions` (kafkajs' default partitioner, as ingest keys them), counted with the same
 * LatenessCounter that bench:e2e applies to the signals topic it reads back (signal-order.ts).
 * When bench:e2e's `signals_late` equals this count, the pipeline (the replay's sharding, ingest's
 * signal batches, Kafka) added no lateness of its own.
 *
 *   npx tsx bench/lib/scenario-lateness.ts [scale=0.05] [partitions=6] [lateness ms=15000]
 *
 * It also prints how many events the scenario emits late (emitAt after their event time) and how
 * late, so that the late signals can be traced to them: a signal more than the allowed lateness
 * behind its partition's latest event time must belong to an event emitted more than that after
 * its own time, since no event time is after its emission.
 */
import { keyPartition } from '@downradar/common/kafka/key-partition';
import { createUnderstanding } from '@downradar/nlp';
import type { PostEvent } from '../../schemas/events/index';
import { generateFromPlan } from '../../services/replay/src/generator';
import { compilePlan } from '../../services/replay/src/plan';
import { loadScenario } from '../../services/replay/src/scenario-loader';
import { LatenessCounter, type SignalOrder } from './signal-order';

export interface ScenarioLateness extends SignalOrder {
  events: number;
  reports: number;
  posts: number;
  /** events emitted after their own event time, and those emitted more than the allowed lateness after it */
  emittedLate: number;
  emittedLateBeyondAllowed: number;
  /** the largest emitAt - at of any event (ms) */
  worstEmitDelayMs: number;
  /** late signals by partition */
  lateByPartition: Record<number, number>;
}

/** Anything that reads a post's services as ingest does (services/nlp's readPost). */
export interface PostReader {
  readPost(post: PostEvent, receivedAt?: number): { signals: { serviceId: string; at: number }[] };
}

export function scenarioLateness(opts: { scenario?: string; scale: number; partitions?: number; latenessMs?: number; reader?: PostReader; from?: string; to?: string }): ScenarioLateness {
  const partitions = opts.partitions ?? 6;
  const latenessMs = opts.latenessMs ?? 15_000;
  const plan = compilePlan(loadScenario(opts.scenario ?? 'fb-2021-10-04'), {
    scale: opts.scale,
    ...(opts.from ? { from: opts.from } : {}),
    ...(opts.to ? { to: opts.to } : {}),
  });
  const reader: PostReader = opts.reader ?? createUnderstanding();
  const counter = new LatenessCounter(latenessMs);
  const out = { events: 0, reports: 0, posts: 0, emittedLate: 0, emittedLateBeyondAllowed: 0, worstEmitDelayMs: 0, lateByPartition: {} as Record<number, number> };
  const observe = (serviceId: string, at: number) => {
    const p = keyPartition(serviceId, partitions);
    if (counter.observe(p, at)) out.lateByPartition[p] = (out.lateByPartition[p] ?? 0) + 1;
  };
  for (const e of generateFromPlan(plan)) {
    out.events++;
    const at = e.kind === 'report' ? e.report.at : e.post.at!;
    const delay = e.emitAt - at;
    if (delay > 0) out.emittedLate++;
    if (delay > latenessMs) out.emittedLateBeyondAllowed++;
    out.worstEmitDelayMs = Math.max(out.worstEmitDelayMs, delay);
    if (e.kind === 'report') {
      out.reports++;
      observe(e.report.serviceId, e.report.at);
    } else {
      out.posts++;
      // receivedAt as ingest sets it: the post's signals keep its own event time (`at`).
      const post = { ...e.post, receivedAt: e.emitAt } as PostEvent;
      for (const s of reader.readPost(post, e.emitAt).signals) observe(s.serviceId, s.at);
    }
  }
  return { ...counter.result(), ...out };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [scale = '0.05', partitions = '6', lateness = '15000'] = process.argv.slice(2);
  const started = performance.now();
  const r = scenarioLateness({ scale: Number(scale), partitions: Number(partitions), latenessMs: Number(lateness) });
  console.log(
    `fb-2021-10-04 at scale ${scale}, ${partitions} partitions, allowed lateness ${lateness} ms, no pipeline: ${r.events} events (${r.reports} reports, ${r.posts} posts), ` +
      `${r.signals} signals; late on their partition ${r.late} (worst ${r.worstMs} ms; by partition ${JSON.stringify(r.lateByPartition)}); ` +
      `events emitted late ${r.emittedLate}, of which more than ${lateness} ms late ${r.emittedLateBeyondAllowed} (worst ${r.worstEmitDelayMs} ms); ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  console.log(JSON.stringify(r));
}
