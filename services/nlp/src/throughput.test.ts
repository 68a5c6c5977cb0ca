import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../schemas/catalog/index';
import { measureNlpThroughput, realisticPostMix } from './throughput';
import { createUnderstanding } from './understanding';

describe('throughput', () => {
  it('builds a deterministic mix with service posts and chatter', () => {
    const mix = realisticPostMix(1000);
    expect(mix).toEqual(realisticPostMix(1000));
    expect(new Set(mix.map((p) => p.text)).size).toBeGreaterThan(600);
  });

  it('loads in well under a second once the catalog is read', () => {
    const catalog = loadCatalog();
    const start = performance.now();
    createUnderstanding({ catalog });
    const loadMs = performance.now() - start;
    console.log(`createUnderstanding: ${loadMs.toFixed(0)} ms`);
    expect(loadMs).toBeLessThan(1000);
  });

  it('measures posts per second on one core', () => {
    const result = measureNlpThroughput({ durationMs: 1000 });
    console.log(`nlp throughput: ${result.postsPerSecond} posts per CPU second, ${result.postsPerWallSecond} per wall second (${result.posts} posts, ${result.signalsPerPost} signals/post)`);
    // The target is 20,000 posts/s (bench reports it); this floor only catches a collapse on a busy CI machine.
    expect(result.postsPerSecond).toBeGreaterThan(2000);
    expect(result.signalsPerPost).toBeGreaterThan(0.3);
  });
});
