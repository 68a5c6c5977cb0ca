/**
 * What the detector process loads at start (main.ts and everything it imports, statically): every
 * module costs the start-up CPU (through tsx: resolved, read, transformed, compiled), and start-up
 * is what a user waits for after a crash or a deploy. The packages' indexes load far more than the
 * detector uses: the nlp one the whole text understanding (lexicons, language detection, natural),
 * common's the ClickHouse client and the migrations. Measured: importing app.ts took 1.9 s of CPU
 * with them and 1.0 s without (README, "Detector, session 9").
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const WORKSPACES: Record<string, string> = { '@downradar/common': 'services/common/src', '@downradar/nlp': 'services/nlp/src', '@downradar/detector': 'services/detector/src' };

/** The module a specifier names, or undefined for a package outside the repo. */
function resolveSpecifier(from: string, spec: string): string | undefined {
  let base: string;
  if (spec.startsWith('.')) base = resolve(dirname(from), spec);
  else {
    const ws = Object.keys(WORKSPACES).find((w) => spec === w || spec.startsWith(`${w}/`));
    if (ws === undefined) return undefined;
    base = resolve(ROOT, WORKSPACES[ws]!, spec.slice(ws.length + 1) || 'index');
  }
  for (const candidate of [base, `${base}.ts`, `${base}/index.ts`]) if (candidate.endsWith('.ts') && existsSync(candidate)) return candidate;
  throw new Error(`${relative(ROOT, from)}: cannot resolve ${spec}`);
}

/**
 * Specifiers of the module's static imports and re-exports that load code: `import type` and
 * `export type` are erased, a dynamic import() loads only when its path runs.
 */
export function staticImports(source: string): string[] {
  const out: string[] = [];
  const statement = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(statement)) if (m[2] === undefined) out.push(m[3]!);
  return out;
}

/** Every repo module main.ts loads, as paths from the repo root. */
function loadedModules(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [resolve(ROOT, entry)];
  while (todo.length > 0) {
    const file = todo.pop()!;
    const key = relative(ROOT, file);
    if (seen.has(key)) continue;
    seen.add(key);
    for (const spec of staticImports(readFileSync(file, 'utf8'))) {
      const next = resolveSpecifier(file, spec);
      if (next !== undefined) todo.push(next);
    }
  }
  return seen;
}

describe('the detector process at start', () => {
  const loaded = loadedModules('services/detector/src/main.ts');

  it('loads the stages, the core and the service index it uses', () => {
    for (const m of ['services/detector/src/app.ts', 'services/detector/src/stages/signals.consumer.ts', 'services/detector/src/core/detector.ts', 'services/nlp/src/service-index.ts', 'services/common/src/kafka/signal-messages.ts']) {
      expect(loaded).toContain(m);
    }
  });

  it('loads neither the nlp text understanding nor common index (ClickHouse client, migrations)', () => {
    const unwanted = [...loaded].filter(
      (m) => m === 'services/nlp/src/index.ts' || m === 'services/nlp/src/understanding.ts' || m === 'services/common/src/index.ts' || m.startsWith('services/common/src/clickhouse/'),
    );
    expect(unwanted).toEqual([]);
  });

  it('reads static imports and re-exports, not type-only or dynamic ones', () => {
    const source = [
      "import { a } from './a';",
      "import type { B } from './b';",
      "import {\n  c,\n  type C,\n} from '@downradar/common/c';",
      "export * from './d';",
      "export type { E } from './e';",
      "import './f';",
      "const g = await import('./g');",
    ].join('\n');
    expect(staticImports(source)).toEqual(['./a', '@downradar/common/c', './d', './f']);
  });
});
