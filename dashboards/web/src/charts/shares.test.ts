import { describe, expect, it } from 'vitest';
import { prepareShares } from './shares';

describe('prepareShares', () => {
  it('turns problems into labelled % bars, the largest full width', () => {
    const bars = prepareShares(
      [
        { key: 'app', count: 18, pct: 18 },
        { key: 'website', count: 72, pct: 72 },
        { key: 'server_connection', count: 10, pct: 10 },
      ],
      'problem',
    );
    expect(bars).toEqual([
      { key: 'website', label: 'Website', count: 72, pct: 72, pctText: '72%', width: 100 },
      { key: 'app', label: 'App', count: 18, pct: 18, pctText: '18%', width: 25 },
      { key: 'server_connection', label: 'Server connection', count: 10, pct: 10, pctText: '10%', width: 13.9 },
    ]);
  });

  it('reads shares that sum to 1 as fractions, and falls back to counts without pct', () => {
    expect(prepareShares([{ key: 'US', count: 3, pct: 0.75 }, { key: 'GB', count: 1, pct: 0.25 }], 'country').map((b) => b.pctText)).toEqual(['75%', '25%']);
    expect(prepareShares([{ key: 'US', count: 3, pct: 0 }, { key: 'GB', count: 1, pct: 0 }], 'country').map((b) => b.pct)).toEqual([75, 25]);
  });

  it('names countries through the given lookup, keeping the code when it knows none', () => {
    const names: Record<string, string> = { US: 'United States' };
    const bars = prepareShares([{ key: 'US', count: 2, pct: 50 }, { key: 'XK', count: 2, pct: 50 }], 'country', { regionName: (c) => names[c] ?? c });
    expect(bars.map((b) => b.label)).toEqual(['United States', 'XK']);
  });

  it('shows small shares with a decimal and limits the list', () => {
    const bars = prepareShares([{ key: 'a', count: 996, pct: 99.6 }, { key: 'b', count: 4, pct: 0.4 }], 'source', { limit: 2 });
    expect(bars.map((b) => b.pctText)).toEqual(['100%', '0.4%']);
    expect(prepareShares([{ key: 'a', count: 1, pct: 100 }, { key: 'b', count: 1, pct: 0 }], 'source', { limit: 1 })).toHaveLength(1);
  });
});
