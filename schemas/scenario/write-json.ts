/**
 * Writes the scenario and labels schemas as plain JSON Schema files beside this one, so that
 * editors validate scenario files (`"$schema": "../../../schemas/scenario/scenario.schema.json"`)
 * and tools in other languages can read them. `--check` exits 1 when a file is stale; a unit test
 * does the same.
 *   npx tsx schemas/scenario/write-json.ts [--check]
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Labels, Scenario } from './index';

const here = dirname(fileURLToPath(import.meta.url));

export function renderScenarioSchemas(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [file, title, schema] of [
    ['scenario.schema.json', 'Scenario', Scenario],
    ['labels.schema.json', 'ScenarioLabels', Labels],
  ] as const) {
    const doc = { $schema: 'http://json-schema.org/draft-07/schema#', title, ...JSON.parse(JSON.stringify(schema)) };
    files.set(join(here, file), JSON.stringify(doc, null, 2) + '\n');
  }
  return files;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [path, text] of renderScenarioSchemas()) {
    if (check) {
      if (!existsSync(path) || readFileSync(path, 'utf8') !== text) {
        console.error(`stale: ${path}`);
        stale++;
      }
    } else writeFileSync(path, text);
  }
  if (check && stale) process.exit(1);
  console.log(check ? 'scenario schemas: up to date' : 'scenario schemas: written');
}
