/** The load hook of no-keep-names.mjs: the project's .ts files through esbuild, tsx's options less keepNames. */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import process from 'node:process';
import { transform } from 'esbuild';

// tsconfig.json's options that change the emitted code (ES2022 class fields are define semantics).
const tsconfigRaw = { compilerOptions: { target: 'ES2022', useDefineForClassFields: true, verbatimModuleSyntax: false, esModuleInterop: true } };

export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && !url.includes('/node_modules/')) {
    const path = fileURLToPath(url.split('?')[0]);
    if (path.endsWith('.ts') || path.endsWith('.mts')) {
      const source = await readFile(path, 'utf8');
      const out = await transform(source, { loader: 'ts', format: 'esm', target: `node${process.versions.node}`, sourcemap: 'inline', sourcefile: path, tsconfigRaw });
      return { format: 'module', source: out.code, shortCircuit: true };
    }
  }
  return nextLoad(url, context);
}
