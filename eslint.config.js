import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// A small rule set: the recommended ones, plus the few that catch real bugs in async Kafka code,
// plus the import rules of docs/architecture.md (who may import whom), so that an arrow that
// runs the wrong way fails `npm test` instead of waiting for a reader to notice.

const SERVICES = ['ingest', 'detector', 'sink', 'api', 'notifier', 'replay', 'sources'];
const LIBRARIES = ['common', 'nlp'];

/** An import of another workspace's files by relative path (`../../ingest/src/app`). */
const relativeInto = (names) => `^(\\.\\./)+(services/)?(${names.join('|')})/src(/|$)`;
const rule = (regex, message) => ({ regex, message });

const UPWARD = rule('(^@downradar/(eval|run)(/|$))|(^|/)(tools|bench|tests)/', 'services and libraries never import tools, benchmarks or tests (docs/architecture.md)');
const KAFKAJS = rule('^kafkajs$', 'kafkajs stays behind services/common/src/kafka (and the detector\'s exactly-once stages): import Kafka types and clients from @downradar/common');
const CLICKHOUSE = rule('^@clickhouse/client$', '@clickhouse/client stays behind services/common/src/clickhouse: use createClickHouse and its types from @downradar/common');

/** What a service may not import, wherever its file sits. */
const servicePatterns = (service) => [
  rule(`^@downradar/(?!(common|nlp)(/|$))`, 'services import only the libraries @downradar/common and @downradar/nlp, never each other'),
  rule(relativeInto(SERVICES.filter((s) => s !== service).concat(LIBRARIES)), 'services never import each other (and take the libraries by package name)'),
  UPWARD,
  CLICKHOUSE,
];

/** The layer rules: [files, ignores, patterns]. Every file falls in at most one block. */
const LAYERS = [
  {
    name: 'schemas: the contracts import nothing of downradar',
    files: ['schemas/**/*.ts'],
    // Its tests check the fixtures with the validator the consumers use.
    ignores: ['schemas/**/*.test.ts'],
    patterns: [rule('^@downradar/', 'schemas is the bottom layer: it imports no workspace'), rule('(^|/)(services|tools|bench|tests|dashboards)/', 'schemas is the bottom layer'), KAFKAJS, CLICKHOUSE],
  },
  {
    name: 'common: schemas only; kafkajs and @clickhouse/client in their own folders',
    files: ['services/common/src/**/*.ts'],
    ignores: ['services/common/src/kafka/**', 'services/common/src/clickhouse/**'],
    patterns: [rule('^@downradar/(?!common(/|$))', 'services/common depends on schemas only: it never knows its users'), rule(relativeInto([...SERVICES, 'nlp']), 'services/common depends on schemas only'), UPWARD, KAFKAJS, CLICKHOUSE],
  },
  {
    name: 'common/kafka and common/clickhouse: the clients live here',
    files: ['services/common/src/kafka/**/*.ts', 'services/common/src/clickhouse/**/*.ts'],
    patterns: [rule('^@downradar/(?!common(/|$))', 'services/common depends on schemas only'), rule(relativeInto([...SERVICES, 'nlp']), 'services/common depends on schemas only'), UPWARD],
  },
  {
    name: 'nlp: a pure library over schemas',
    files: ['services/nlp/src/**/*.ts'],
    patterns: [rule('^@downradar/', 'services/nlp depends on schemas only (the catalog loader is schemas/catalog)'), rule(relativeInto([...SERVICES, 'common']), 'services/nlp depends on schemas only'), UPWARD, KAFKAJS, CLICKHOUSE],
  },
  {
    name: 'detector core: the model alone (core files and schemas, nothing else)',
    files: ['services/detector/src/core/**/*.ts'],
    ignores: ['services/detector/src/core/**/*.test.ts'],
    patterns: [rule('^(?!\\./|(\\.\\./){4}schemas/)', 'services/detector/src/core is the pure model: it imports other core files and schemas only (no I/O, no library, no clock)')],
  },
  {
    name: 'detector stages and kafka: the exactly-once shell may use kafkajs directly',
    files: ['services/detector/src/stages/**/*.ts', 'services/detector/src/kafka/**/*.ts'],
    patterns: servicePatterns('detector'),
  },
  ...SERVICES.map((service) => ({
    name: `${service}: the libraries and schemas, never another service`,
    files: [`services/${service}/src/**/*.ts`],
    ignores: [
      ...(service === 'detector' ? ['services/detector/src/core/**', 'services/detector/src/stages/**', 'services/detector/src/kafka/**'] : []),
      ...(service === 'api' || service === 'ingest' ? [`services/${service}/src/app.ts`, `services/${service}/src/routes/**`] : []),
    ],
    patterns: [
      ...servicePatterns(service),
      KAFKAJS,
      ...(service === 'api' || service === 'ingest' ? [rule('(^|/)routes/', 'routes are leaves: only app.ts registers them; nothing else imports from routes/')] : []),
    ],
  })),
  ...['api', 'ingest'].map((service) => ({
    name: `${service}: app.ts and the routes`,
    files: [`services/${service}/src/app.ts`, `services/${service}/src/routes/**/*.ts`],
    patterns: [...servicePatterns(service), KAFKAJS],
  })),
  {
    name: 'tools: over the services\' public entry points',
    files: ['tools/**/*.ts'],
    patterns: [
      rule('^@downradar/(detector|replay|nlp)/', 'tools use a service through its public entry point (@downradar/detector, not @downradar/detector/<file>)'),
      rule('^@downradar/(ingest|sink|api|notifier)(/|$)', 'tools start services as processes; they do not import them'),
      rule('(^|/)services/', 'tools take workspaces by package name'),
      rule('(^|/)(bench|tests)/', 'tools never import benchmarks or tests'),
      KAFKAJS,
      CLICKHOUSE,
    ],
  },
  {
    name: 'dashboard: talks to the API over HTTP only',
    files: ['dashboards/web/src/**/*.{ts,tsx}'],
    patterns: [rule('^@downradar/', 'the dashboard talks to services/api over HTTP; it imports only schemas/api'), rule('(^|/)(services|tools|bench|tests)/', 'the dashboard imports only schemas/api')],
  },
  {
    name: 'benchmarks and system tests: anything, but kafkajs and @clickhouse/client through common',
    files: ['bench/**/*.ts', 'tests/**/*.ts'],
    // The kafkajs peers measure kafkajs itself, the natural peers of downradar's producer and consumers.
    ignores: ['bench/lib/kafkajs-peer.ts', 'bench/lib/kafkajs-consume-peer.ts'],
    patterns: [KAFKAJS, CLICKHOUSE],
  },
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.data/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
      'no-console': 'off',
      eqeqeq: ['error', 'smart'],
    },
  },
  ...LAYERS.map((layer) => ({
    name: layer.name,
    files: layer.files,
    ...(layer.ignores ? { ignores: layer.ignores } : {}),
    rules: { 'no-restricted-imports': ['error', { patterns: layer.patterns }] },
  })),
);
