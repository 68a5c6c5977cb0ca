import type { PostInput } from '../../../schemas/events/index';
import type { ReplayReport } from './generator';

/**
 * Where a replay sends its events: the ingest API (http-target.ts), Kafka directly
 * (kafka-target.ts), or nowhere (counting only). `send` resolves once the receiver has
 * acknowledged the whole batch, so a replay knows exactly what was delivered.
 */
export interface ReplayTarget {
  readonly name: string;
  send(reports: ReplayReport[], posts: PostInput[]): Promise<void>;
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
    async send(reports, posts) {
      stats.reports += reports.length;
      stats.posts += posts.length;
    },
    async close() {},
  };
}
