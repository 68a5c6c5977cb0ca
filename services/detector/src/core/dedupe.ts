/**
 * "Only the first report per reporter per service per 15 minutes counts" (Downdetector's rule),
 * with memory bounded by the traffic of the last half hour however long the detector runs.
 *
 * Two generations of maps: `current` receives new entries; when event time has moved a whole
 * generation past its start, `current` becomes `previous` and the old `previous` is dropped.
 * A lookup checks both. The generation length is dedupeMs + allowed lateness + one window, so
 * an entry is dropped only when no event the detector can still accept (anything not yet late)
 * could fall within dedupeMs of it: the rule is applied exactly, not approximately.
 */

export interface DedupeState {
  g: number | null;
  cur: (string | number)[];
  prev: (string | number)[];
}

export class ReporterDedupe {
  private current = new Map<string, number>();
  private previous = new Map<string, number>();
  private generationStart: number | null = null;

  constructor(
    private readonly dedupeMs: number,
    private readonly generationMs: number,
  ) {}

  /** True when this report counts; records it. Later reports within dedupeMs (either side) do not count. */
  admit(reporter: string, at: number): boolean {
    this.rotate(at);
    let last = this.current.get(reporter);
    if (last === undefined) last = this.previous.get(reporter);
    if (last !== undefined && (at >= last ? at - last : last - at) < this.dedupeMs) return false;
    this.current.set(reporter, at);
    return true;
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  private rotate(at: number): void {
    if (this.generationStart === null) {
      this.generationStart = at;
      return;
    }
    const age = at - this.generationStart;
    if (age < this.generationMs) return;
    this.previous = age >= 2 * this.generationMs ? new Map() : this.current;
    this.current = new Map();
    this.generationStart = at;
  }

  toJSON(): DedupeState {
    const flat = (m: Map<string, number>) => {
      const out: (string | number)[] = [];
      for (const [k, v] of m) out.push(k, v);
      return out;
    };
    return { g: this.generationStart, cur: flat(this.current), prev: flat(this.previous) };
  }

  static fromJSON(dedupeMs: number, generationMs: number, s: DedupeState): ReporterDedupe {
    const d = new ReporterDedupe(dedupeMs, generationMs);
    const unflat = (a: (string | number)[]) => {
      const m = new Map<string, number>();
      for (let i = 0; i + 1 < a.length; i += 2) m.set(a[i] as string, a[i + 1] as number);
      return m;
    };
    d.generationStart = s.g;
    d.current = unflat(s.cur);
    d.previous = unflat(s.prev);
    return d;
  }
}
