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
