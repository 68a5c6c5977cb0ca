/**
 * Runs async jobs one at a time, in the order they were queued. A stage's batches, its clock
 * ticks and its rebalances all touch the same detectors and the same transactional producers,
 * so they take turns; a job that fails does not stop the ones queued after it.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(() => job());
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once everything queued so far has finished. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}

/**
 * Runs `job` while telling the group coordinator every few seconds that this member is alive:
 * a batch can wait behind a checkpoint restore that reads the whole state topic, and kafkajs only
 * heartbeats between batches. A heartbeat that fails (the group is rebalancing) is ignored here;
 * kafkajs sees the same answer after the batch and rejoins.
 */
export async function whileHeartbeating<T>(heartbeat: () => Promise<void>, job: () => Promise<T>, everyMs = 3000): Promise<T> {
  const timer = setInterval(() => void heartbeat().catch(() => undefined), everyMs);
  try {
    return await job();
  } finally {
    clearInterval(timer);
  }
}
