/**
 * No SQL the project ships may join an unaliased subquery: ClickHouse 18.16 accepts it, every
 * release since 20.3 refuses it (Code 206 ALIAS_REQUIRED). Checked here, without a server, over
 * the migrations, every ```sql block of the docs and READMEs, every statement the read API builds,
 * and every template literal with a JOIN in the TypeScript sources (services, tools, tests, bench).
 * tests/sql-compat.integration.test.ts then runs the same SQL on both engines.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, unaliasedJoinedSubqueries, type ClickHouseClient } from '@downradar/common';
import { createReader } from '../../services/api/src/clickhouse';
import { allApiQueries } from '../../services/api/src/queries/all-queries';

interface Source {
  where: string;
  sql: string;
}

function walk(dir: string, keep: (path: string) => boolean, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, keep, out);
    else if (keep(p)) out.push(p);
  }
  return out;
}

const rel = (p: string) => relative(repoRoot, p);

function migrationSources(): Source[] {
  const dir = `${repoRoot}/schemas/clickhouse`;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => ({ where: `schemas/clickhouse/${f}`, sql: readFileSync(`${dir}/${f}`, 'utf8') }));
}

function markdownSources(): Source[] {
  const files = walk(repoRoot, (p) => p.endsWith('.md') && !rel(p).startsWith('bench/results'));
  return files.flatMap((f) => {
    const text = readFileSync(f, 'utf8');
    const blocks = [...text.matchAll(/^```sql\s*\n([\s\S]*?)^```/gm)];
    return blocks.map((m) => ({ where: `${rel(f)}:${text.slice(0, m.index).split('\n').length}`, sql: m[1]! }));
  });
}

function typescriptSources(): Source[] {
  const roots = ['services', 'tools', 'tests', 'bench', 'schemas'].map((d) => `${repoRoot}/${d}`);
  const files = roots.flatMap((r) => {
    try {
      // The linter's own examples of what it rejects are not shipped SQL.
      return walk(r, (p) => p.endsWith('.ts') && !/sql-lint(\.test)?\.ts$/.test(p));
    } catch {
      return [];
    }
  });
  return files.flatMap((f) => {
    const text = readFileSync(f, 'utf8');
    return [...text.matchAll(/`([^`]*)`/g)]
      .filter((m) => /\bJOIN\b/i.test(m[1]!) && /\bSELECT\b/i.test(m[1]!))
      .map((m) => ({ where: `${rel(f)}:${text.slice(0, m.index).split('\n').length}`, sql: m[1]!.replace(/\$\{[^}]*\}/g, 'x') }));
  });
}

function apiSources(): Source[] {
  const reader = createReader({} as ClickHouseClient, 'downradar', 1000);
  const args = { range: { from: Date.UTC(2021, 9, 4), to: Date.UTC(2021, 9, 5) }, serviceId: 'facebook', serviceIds: ['facebook', 'whatsapp'], incidentId: 'inc-1', at: Date.UTC(2021, 9, 4, 17), stepMinutes: 15, limit: 20 };
  return allApiQueries(reader, args).map((q) => ({ where: `services/api ${q.name}`, sql: q.sql }));
}

describe('SQL the project ships', () => {
  const groups: [string, Source[]][] = [
    ['migrations', migrationSources()],
    ['```sql blocks of the docs and READMEs', markdownSources()],
    ['the read API', apiSources()],
    ['template literals with a JOIN in the TypeScript sources', typescriptSources()],
  ];

  it.each(groups)('%s join no subquery without an alias (Code 206 on ClickHouse >= 20.3)', (_name, sources) => {
    expect(sources.length).toBeGreaterThan(0);
    const offences = sources.flatMap((s) => unaliasedJoinedSubqueries(s.sql).map((f) => `${s.where} (+${f.line - 1} lines): ${f.excerpt}`));
    expect(offences).toEqual([]);
  });

  it('the check sees the joins it is there for (the cookbook and the posts query join subqueries)', () => {
    const joined = (sources: Source[]) => sources.filter((s) => /\bJOIN\s*\(\s*SELECT/i.test(s.sql));
    expect(joined(markdownSources()).filter((s) => s.where.startsWith('docs/sql-cookbook.md')).length).toBeGreaterThanOrEqual(2);
    expect(joined(apiSources()).map((s) => s.where)).toContain('services/api postsSql');
  });
});
