import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../schemas/catalog/index';
import { createUnderstanding } from '@downradar/nlp';
import { generateEvents, loadScenario } from '@downradar/replay';
import { memoizeUnderstanding } from './memo-understanding';

describe('memoizeUnderstanding', () => {
  const direct = createUnderstanding({ catalog: loadCatalog() });

  it.each([
    ['fb-2021-10-04', 1, '2021-10-04T15:40:00Z', '2021-10-04T15:50:00Z'],
    ['quiet-week', 1, '2024-05-06T18:00:00Z', '2024-05-06T20:00:00Z'],
    ['viral-hashtag', 1, '2023-11-29T13:00:00Z', '2023-11-29T13:20:00Z'],
  ] as const)('gives exactly the signals of the direct reading on the posts of %s', (id, scale, from, to) => {
    const memo = memoizeUnderstanding(direct);
    let posts = 0;
    for (const e of generateEvents(loadScenario(id), { scale, from, to })) {
      if (e.kind !== 'post') continue;
      posts++;
      expect(memo.signalsForPost(e.post, e.emitAt)).toEqual(direct.signalsForPost(e.post, e.emitAt));
    }
    const stats = memo.stats();
    expect(stats.hits + stats.misses).toBe(posts);
    // Templates repeat: the memory path is exercised, not only the first readings.
    expect(stats.hits).toBeGreaterThan(posts / 4);
  });

  it('stamps each post its own id, times and author, and starts over when full', () => {
    const memo = memoizeUnderstanding(direct, 1);
    const post = { id: 'p1', text: 'is facebook down?? #facebookdown', at: 1_000, authorHash: 'a1', country: 'US' };
    const first = memo.signalsForPost(post, 2_000);
    const second = memo.signalsForPost({ ...post, id: 'p2', at: 5_000, authorHash: 'a2' }, 6_000);
    expect(first.length).toBeGreaterThan(0);
    expect(second[0]).toMatchObject({ id: 'p2:facebook', sourceId: 'p2', at: 5_000, receivedAt: 6_000, reporterHash: 'a2', country: 'US' });
    const anonymous = memo.signalsForPost({ id: 'p3', text: post.text, country: 'US' } as typeof post, 7_000);
    expect(anonymous[0]).not.toHaveProperty('reporterHash');
    expect(anonymous[0]!.at).toBe(7_000);
    memo.signalsForPost({ ...post, text: 'whatsapp not working' }, 8_000);
    expect(memo.stats()).toEqual({ hits: 2, misses: 2 });
  });
});
