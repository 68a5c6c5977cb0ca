/**
 * The reading of a post must not change when its code is made faster: detection quality is
 * judged on data we never see. data/identity-sample.ndjson.gz holds 6,494 posts (every labelled
 * post, a drawn part of the throughput mix made unique, 2,000 distinct texts of the 2021 day
 * with their declared language and country) with what main's services/nlp answered for each,
 * recorded by `npx tsx bench/lib/nlp-identity.ts <main's worktree> --sample <file>`. Every field
 * of understandPost and readPost must be equal: services, signals, categories, languages,
 * confidences, evidence. A change that means to change a reading re-records the file and says so.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createUnderstanding, type PostText, type Understood } from './understanding';

const SAMPLE_PATH = fileURLToPath(new URL('../data/identity-sample.ndjson.gz', import.meta.url));

interface Recorded {
  readonly set: 'labelled' | 'mix-unique' | 'day';
  readonly post: PostText & { authorHash?: string };
  readonly understood: Understood;
  readonly read: unknown;
}

const recorded: Recorded[] = gunzipSync(readFileSync(SAMPLE_PATH))
  .toString('utf8')
  .split('\n')
  .filter((line) => line.length > 0)
  .map((line) => JSON.parse(line) as Recorded);

describe('identity with the recorded readings', () => {
  it('holds a sample of every kind of post', () => {
    expect(recorded.filter((r) => r.set === 'labelled').length).toBeGreaterThanOrEqual(2494);
    expect(recorded.filter((r) => r.set === 'day').length).toBe(2000);
    expect(recorded.filter((r) => r.set === 'mix-unique').length).toBe(2000);
    // The sample reaches the paths that matter: services found, outages, hashtags, many languages.
    expect(recorded.filter((r) => r.understood.services.length > 0).length).toBeGreaterThan(3000);
    expect(recorded.filter((r) => r.understood.outage).length).toBeGreaterThan(1500);
    expect(recorded.filter((r) => r.understood.hashtags.length > 0).length).toBeGreaterThan(1000);
    expect(new Set(recorded.map((r) => r.understood.language)).size).toBeGreaterThanOrEqual(12);
  });

  it('reads every post exactly as recorded, twice (cold and with warm caches)', () => {
    const nlp = createUnderstanding();
    for (let pass = 0; pass < 2; pass++) {
      const differing: string[] = [];
      for (const r of recorded) {
        const understood = JSON.parse(JSON.stringify(nlp.understandPost(r.post))) as unknown;
        const read = JSON.parse(JSON.stringify(nlp.readPost(r.post, 1_700_000_000_000))) as unknown;
        try {
          expect(understood).toEqual(r.understood);
          expect(read).toEqual(r.read);
        } catch (e) {
          differing.push(`${r.set} ${r.post.id} ${JSON.stringify(r.post.text)}: ${(e as Error).message.slice(0, 600)}`);
        }
      }
      expect(differing.slice(0, 5), `${differing.length} of ${recorded.length} posts read differently (pass ${pass + 1})`).toEqual([]);
    }
  });
});
