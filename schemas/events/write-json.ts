/**
 * `npm run schemas`: writes every event schema as a plain JSON Schema file under
 * schemas/events/json/, for consumers in other languages. `--check` exits 1 when a file is stale.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENT_SCHEMAS } from './index';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'json');

export function renderSchemas(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, schema] of Object.entries(EVENT_SCHEMAS)) {
    const doc = { $schema: 'http://json-schema.org/draft-07/schema#', title: name, ...JSON.parse(JSON.stringify(schema)) };
    files.set(`${name}.schema.json`, JSON.stringify(doc, null, 2) + '\n');
  }
  return files;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  mkdirSync(out, { recursive: true });
  let stale = 0;
  for (const [file, text] of renderSchemas()) {
    const path = join(out, file);
    if (check) {
      if (!existsSync(path) || readFileSync(path, 'utf8') !== text) {
        console.error(`stale: ${path}`);
        stale++;
      }
    } else writeFileSync(path, text);
  }
  if (check && stale) process.exit(1);
  console.log(check ? 'schemas: up to date' : `schemas: wrote ${renderSchemas().size} files to ${out}`);
}
