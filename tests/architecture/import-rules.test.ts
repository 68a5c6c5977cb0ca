/**
 * The import rules of docs/architecture.md, as eslint.config.js enforces them in `npm test`: each
 * arrow that must not exist is refused where it would start, and the arrows that must exist pass.
 * The files are linted as text under a path in the tree; nothing is written.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../../', import.meta.url).pathname });

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import rules', () => {
  it.each([
    ['services/api/src/sparklines.ts', "import { sparklinesSql } from './routes/services.route';", /routes are leaves/],
    ['services/ingest/src/produce.ts', "import { reportsRoutes } from './routes/reports.route';", /routes are leaves/],
    ['services/ingest/src/app.ts', "import { createDetectorService } from '@downradar/detector';", /never each other/],
    ['services/sink/src/rows.ts', "import { x } from '../../detector/src/app';", /never import each other/],
    ['services/detector/src/app.ts', "import { writeResult } from '../../../bench/lib/processes';", /never import tools, benchmarks or tests/],
    ['services/detector/src/app.ts', "import { EVAL_RUNS } from '@downradar/eval/eval-runs';", /never import tools, benchmarks or tests/],
    ['services/common/src/config.ts', "import { startServices } from '@downradar/run/processes';", /never knows its users|never import tools/],
    ['services/common/src/config.ts', "import { createIngestService } from '@downradar/ingest/wiring';", /schemas only/],
    ['services/nlp/src/understanding.ts', "import { loadCatalog } from '@downradar/common';", /schemas only/],
    ['schemas/catalog/index.ts', "import { dataDir } from '@downradar/common';", /bottom layer/],
    ['services/detector/src/core/detector.ts', "import { Serial } from '../kafka/serial';", /pure model/],
    ['services/detector/src/core/detector.ts', "import { readFileSync } from 'node:fs';", /pure model/],
    ['services/api/src/app.ts', "import type { Kafka } from 'kafkajs';", /kafkajs stays behind/],
    ['services/sources/src/kafka/source-writer.ts', "import type { Producer } from 'kafkajs';", /kafkajs stays behind/],
    ['services/sources/src/main.ts', "import { createIngestService } from '../../ingest/src/wiring';", /never import each other/],
    ['tests/reliability/drills.ts', "import type { Kafka } from 'kafkajs';", /kafkajs stays behind/],
    ['services/sink/src/app.ts', "import { createClient } from '@clickhouse/client';", /@clickhouse\/client stays behind/],
    ['tools/eval/src/run-scenario.ts', "import { createDetector } from '@downradar/detector/core/detector';", /public entry point/],
    ['dashboards/web/src/app/app.tsx', "import { buildApp } from '../../../../services/api/src/app';", /over HTTP|only schemas\/api/],
  ])('refuses %s: %s', async (file, code, why) => {
    const messages = await restricted(file, code);
    expect(messages.length, `no rule refused it in ${file}`).toBeGreaterThan(0);
    expect(messages.join('\n')).toMatch(why);
  });

  it.each([
    ['services/api/src/app.ts', "import { servicesRoutes } from './routes/services.route';"],
    ['services/api/src/sparklines.ts', "import { sparklinesSql } from './queries/services.queries';"],
    ['services/ingest/src/app.ts', "import { createUnderstanding } from '@downradar/nlp';"],
    ['services/detector/src/stages/signals.consumer.ts', "import type { Consumer } from 'kafkajs';"],
    ['services/common/src/kafka/client.ts', "import { Kafka } from 'kafkajs';"],
    ['services/common/src/clickhouse/client.ts', "import { createClient } from '@clickhouse/client';"],
    ['services/detector/src/core/detector.ts', "import type { SignalEvent } from '../../../../schemas/events/index';"],
    ['services/detector/src/core/detector.ts', "import { ServiceScorer } from './scorer';"],
    ['services/nlp/src/understanding.ts', "import { loadCatalog } from '../../../schemas/catalog/index';"],
    ['tools/eval/src/run-scenario.ts', "import { createDetector } from '@downradar/detector';"],
    ['tools/eval/src/eval-cli.ts', "import { writeResult } from '@downradar/common/bench-results';"],
    ['bench/detector.bench.ts', "import { groupLag } from '../services/detector/src/testing/testkit';"],
  ])('allows %s: %s', async (file, code) => {
    expect(await restricted(file, code)).toEqual([]);
  });
});
