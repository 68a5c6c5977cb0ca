import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The README's SQL cookbook is a verbatim copy of docs/sql-cookbook.md, whose every query a test runs as analyst. */
describe('README', () => {
  const root = new URL('../', import.meta.url);
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const cookbook = readFileSync(new URL('docs/sql-cookbook.md', root), 'utf8');
  it('shows the two commands', () => {
    expect(readme).toContain('npm run demo');
    expect(readme).toContain('npm test');
  });
  it('has at least ten cookbook queries, each verbatim in docs/sql-cookbook.md', () => {
    const section = /<!-- cookbook:start -->([\s\S]*?)<!-- cookbook:end -->/.exec(readme)?.[1] ?? '';
    const queries = [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(queries.length).toBeGreaterThanOrEqual(10);
    for (const q of queries) expect(cookbook, q).toContain(q);
  });
  it('has no placeholder left', () => {
    expect(readme).not.toMatch(/[A-Z]+_PLACEHOLDER/);
  });
});
