/**
 * RecentIds alone: CPU a report (one has() and one add(), as the batch route and the producer do)
 * and the heap it holds, for the typed-array generations against two Sets of strings, alternated;
 * with some young garbage per id (as a request makes) so that the collector's cost shows.
 *
 *   node --expose-gc --import tsx bench/lib/ingest-recent-ids.ts [ids] [rounds]
 */
import { RecentIds } from '../../services/ingest/src/recent-ids';

class SetIds {
  private current = new Set<string>();
  private previous = new Set<string>();
  constructor(private readonly capacity = 500_000) {}
  has(id: string) {
    return this.current.has(id) || this.previous.has(id);
  }
  add(id: string) {
    if (this.current.size >= this.capacity) {
      this.previous = this.current;
      this.current = new Set();
    }
    this.current.add(id);
  }
}

const n = Number(process.argv[2] ?? 2_000_000);
const rounds = Number(process.argv[3] ?? 3);
const gc = (globalThis as { gc?: () => void }).gc;
let sink = 0;
function run(name: string, make: () => { has(id: string): boolean; add(id: string): void }) {
  gc?.();
  const heap0 = process.memoryUsage();
  const r = make();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    // an id as the replay makes them, built fresh (as JSON.parse makes it), and a request's garbage
    const id = `fb-2021-10-04.c16ws.s0.02:g${(i >> 10).toString(36)}${(i & 1023).toString(36)}:${i % 7}`;
    const garbage = { id, text: 'x'.repeat(i & 15), n: i };
    if (!r.has(id)) r.add(id);
    sink += garbage.text.length;
  }
  const c = process.cpuUsage(c0);
  gc?.();
  const heap1 = process.memoryUsage();
  console.log(`${name}: ${(((c.user + c.system) * 1000) / n).toFixed(0)} ns CPU an id, heap +${((heap1.heapUsed - heap0.heapUsed) / 1e6).toFixed(0)} MB, arrays +${((heap1.arrayBuffers - heap0.arrayBuffers) / 1e6).toFixed(0)} MB`);
  return r;
}
for (let k = 0; k < rounds; k++) {
  run('sets ', () => new SetIds());
  run('typed', () => new RecentIds());
}
if (sink < 0) console.log(sink);
