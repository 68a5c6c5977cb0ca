/**
 * Fixed-window counters per key with a bounded key table: a limiter that cannot be turned
 * into a memory leak by sending many distinct keys (old windows are dropped wholesale).
 */
export class WindowLimiter {
  private counts = new Map<string, number>();
  private windowStart = 0;
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys = 1_000_000,
  ) {}

  /** True when this hit is allowed. */
  hit(key: string, now: number): boolean {
    const start = now - (now % this.windowMs);
    if (start !== this.windowStart || this.counts.size >= this.maxKeys) {
      this.windowStart = start;
      this.counts = new Map();
    }
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n <= this.limit;
  }

  /** Seconds until the current window ends (for Retry-After). */
  retryAfterS(now: number): number {
    return Math.max(1, Math.ceil((this.windowStart + this.windowMs - now) / 1000));
  }
}
