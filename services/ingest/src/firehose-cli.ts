/**
 * npm run firehose -- [--source -|file|http://...] [--kind posts|reports] [--ingest-url URL]
 * Reads NDJSON and feeds the ingest API. The API key comes from DOWNRADAR_API_KEY (never a flag,
 * so it stays out of shell history and process lists).
 */
import { parseArgs } from 'node:util';
import { runFirehose } from './firehose';

const { values } = parseArgs({
  options: {
    source: { type: 'string', default: '-' },
    kind: { type: 'string', default: 'posts' },
    'ingest-url': { type: 'string', default: process.env.DOWNRADAR_INGEST_URL ?? 'http://127.0.0.1:8081' },
    'batch-lines': { type: 'string', default: '2000' },
  },
});
const apiKey = process.env.DOWNRADAR_API_KEY;
if (!apiKey) {
  console.error('firehose: set DOWNRADAR_API_KEY to an ingest API key (npm run apikey -- <name> --scope feed makes one)');
  process.exit(1);
}
if (values.kind !== 'posts' && values.kind !== 'reports') {
  console.error('firehose: --kind must be posts or reports');
  process.exit(1);
}
const ac = new AbortController();
process.on('SIGINT', () => ac.abort());
const result = await runFirehose({
  source: values.source!,
  kind: values.kind,
  ingestUrl: values['ingest-url']!,
  apiKey,
  batchLines: Number(values['batch-lines']),
  signal: ac.signal,
  onProgress: (p) =>
    process.stderr.write(
      `\rfirehose: ${p.lines} lines, ${p.accepted} accepted, ${p.duplicates} duplicate, ${p.rejected} rejected, ${p.retries} retries, ${Math.round(p.lines / Math.max(0.001, p.elapsedMs / 1000))} lines/s   `,
    ),
});
process.stderr.write('\n');
console.log(JSON.stringify(result));
