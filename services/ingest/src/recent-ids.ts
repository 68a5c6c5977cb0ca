/**
 * A bounded set of recently stored ids: the same report or post id sent twice within its
 * horizon is acknowledged without being produced again. Downstream stores dedupe on the id too
 * (ReplacingMergeTree, uniqExact), so this is the first of two guards, not the only one.
 */
export class RecentIds {
  private current = new Set<string>();
  private previous = new Set<string>();
  constructor(private readonly capacity = 500_000) {}

  has(id: string): boolean {
    return this.current.has(id) || this.previous.has(id);
  }

  add(id: string): void {
    if (this.current.size >= this.capacity) {
      // Two generations: memory stays under 2 x capacity, and the newest ids are always kept.
      this.previous = this.current;
      this.current = new Set();
    }
    this.current.add(id);
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }
}
