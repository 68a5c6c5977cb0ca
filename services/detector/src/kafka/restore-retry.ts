/**
 * The pause before a stage tries again to restore its state (connect its transactional producer,
 * read its checkpoint) after attempt `attempt` failed: 2 s, doubling, at most 30 s. The stages
 * retry for as long as the work is still theirs: a restore fails while the broker restarts, and
 * a detector that gave up would stay down, since nothing restarts it.
 */
export function restoreRetryDelayMs(attempt: number): number {
  return Math.min(30_000, 2000 * 2 ** Math.max(0, attempt - 1));
}

/**
 * How loudly a failed restore is logged. A broker that just created a topic or moved a leader
 * answers "not the leader" for a second or two, and the next attempt succeeds: that is a warning.
 * A stage still without its state after three attempts (about 14 s of retrying) is an error an
 * operator should see.
 */
export function restoreFailureLevel(attempt: number): 'warn' | 'error' {
  return attempt >= 3 ? 'error' : 'warn';
}
