import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteTopicsWithPrefix, hashApiKey, loadConfig, topicNames } from '@downradar/common';
import { STACK_ENV, readTopic, testKafka, testPrefix } from '@downradar/common/testing';
import { ingestConfigSpec } from './config';
import { runFirehose } from './firehose';
import { buildIngest } from './wiring';

const KEY = 'firehose-key-0123456789abcdef';
const prefix = testPrefix('firehose');
const topics = topicNames(prefix);
const kafka = testKafka();
let ingest: Awaited<ReturnType<typeof buildIngest>>;
let url = '';

beforeAll(async () => {
  ingest = await buildIngest(
    loadConfig(ingestConfigSpec, { ...STACK_ENV, DOWNRADAR_TOPIC_PREFIX: prefix, DOWNRADAR_KAFKA_PARTITIONS: '1', DOWNRADAR_API_KEY_HASHES: hashApiKey(KEY), DOWNRADAR_LOG_LEVEL: 'silent', DOWNRADAR_REPORTER_SALT: 's' }),
  );
  await ingest.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(ingest.app.server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await ingest.app.close();
  await deleteTopicsWithPrefix(kafka, prefix);
});

const posts = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ id: `fh-${from + i}`, at: Date.now() - 1000, text: i % 2 ? 'whatsapp not working #whatsappdown' : 'nice weather today', source: 'firehose', authorHash: `a${i}` }));

describe('firehose connector', () => {
  it('feeds an NDJSON file through the ingest batch endpoint in batches, counting bad lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'firehose-'));
    const file = join(dir, 'posts.ndjson');
    writeFileSync(file, [...posts(25), '{broken', ...posts(5, 25)].join('\n') + '\n');
    const progress: number[] = [];
    const result = await runFirehose({ source: file, ingestUrl: url, apiKey: KEY, batchLines: 10, onProgress: (p) => progress.push(p.lines) });
    expect(result).toMatchObject({ lines: 31, accepted: 30, rejected: 1, duplicates: 0 });
    expect(progress.at(-1)).toBe(31);
    const stored = await readTopic(kafka, topics.posts, 30, 15_000);
    expect(new Set(stored.map((m) => JSON.parse(m.value!.toString()).id)).size).toBe(30);
  });

  it('reads an HTTP chunked stream, and a second pass of the same posts is all duplicates', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const lines = posts(12, 1000);
      let i = 0;
      const tick = setInterval(() => {
        if (i >= lines.length) {
          clearInterval(tick);
          res.end();
          return;
        }
        res.write(lines[i++] + '\n');
      }, 5);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const src = `http://127.0.0.1:${(server.address() as { port: number }).port}/stream`;
    const first = await runFirehose({ source: src, ingestUrl: url, apiKey: KEY, batchLines: 5 });
    const second = await runFirehose({ source: src, ingestUrl: url, apiKey: KEY, batchLines: 5 });
    server.close();
    expect(first).toMatchObject({ lines: 12, accepted: 12 });
    expect(second).toMatchObject({ lines: 12, accepted: 0, duplicates: 12 });
  });

  it('stops with a clear error when the API key is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'firehose-'));
    const file = join(dir, 'p.ndjson');
    writeFileSync(file, posts(1, 5000).join('\n'));
    await expect(runFirehose({ source: file, ingestUrl: url, apiKey: 'wrong', batchLines: 10 })).rejects.toThrow(/401/);
  });
});
