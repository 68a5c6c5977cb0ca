import type { PostInput } from '../../../schemas/events/index';
import type { ReplayReport } from './generator';

/**
 * One event of a batch, in emission order: a report or a post and when it reaches the system
 * (`emitAt`, ms). The generator's Emission objects are ReplayEvents.
 */
export type ReplayEvent =
  | { kind: 'report'; report: ReplayReport; emitAt: number }
  | { kind: 'post'; post: PostInput; emitAt: number; /** the generator's truth: the service the post is about, if any */ truth?: { readonly serviceId: string | null } };

/**
 * Where a replay sends its events: the ingest API (http-target.ts), Kafka directly
 * (kafka-target.ts), or nowhere (counting only). `send` resolves once the receiver has
 * acknowledged the whole batch, so a replay knows exactly what was delivered.
 */
export interface ReplayTarget {
  readonly name: string;
  /** The batch's events in emission order (emitAt ascending); a target writes them in that order. */
  send(events: readonly ReplayEvent[]): Promise<void>;
  /**
   * True when the target writes batches in the order `send` was called, whatever is in flight,
   * on every partition (the Kafka target: each partition on one idempotent kafkajs producer with
   * one request in flight and a FIFO queue). Otherwise
   * (the ingest API: concurrent requests, possibly to several processes) any two batches in
   * flight at once may be written in either order, and runReplay bounds how far apart in event
   * time those batches may be (ReplayOptions.maxDisorderMs).
   */
  readonly ordered?: boolean;
  /** Flush and release connections. */
  close(): Promise<void>;
  /** Receiver-side counts for the summary (accepted, duplicates, rejected, ...). */
  readonly stats: Readonly<Record<string, number>>;
  /** A few receiver messages worth showing (first rejections, disabled features). */
  readonly notes: readonly string[];
}

/** A target failure; `retriable` says whether trying the same batch again could help. */
export class ReplayTargetError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ReplayTargetError';
  }
}

/** Generates and paces without sending: `--target none`, and the pacing tests. */
export function createNullTarget(): ReplayTarget {
  const stats = { reports: 0, posts: 0 };
  return {
    name: 'none',
    stats,
    notes: [],
    ordered: true,
    async send(events) {
      for (const e of events) stats[e.kind === 'report' ? 'reports' : 'posts']++;
    },
    async close() {},
  };
}
