/**
 * The pause before a stage tries again to restore its state (connect its transactional producer,
 * read its checkpoint) after attempt `attempt` failed: 2 s, doubling, at most 30 s. The stages
 * retry for as long as the work is still theirs: a restore fails while the broker restarts, and
 * a detector that gave up would stay down, since nothing restarts it.
 */
export function restoreRetryDelayMs(attempt: number): number {
  return Math.min(30_000, 2000 * 2 ** Math.max(0, attempt - 1));
}
