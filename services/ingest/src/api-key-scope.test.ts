/**
 * Ingest's keyed endpoints need a key with the `feed` scope: a key made for webhook
 * subscriptions is refused with 403 (and no key, or a wrong one, with 401), before anything is
 * produced; the public report button needs no key at all.
 */
import { describe, expect, it } from 'vitest';
import { hashApiKey, loadApiKeys, type OutMessage, type Producer } from '@downradar/common';
import { inProcessIngest } from './testing/in-process-app';

const FEED_KEY = 'drk_feed_key_for_the_scope_test';
const SUBSCRIPTIONS_KEY = 'drk_subscriptions_key_for_the_scope_test';

async function ingest() {
  const produced: OutMessage[][] = [];
  const producer: Producer = {
    stats: { sentMessages: 0, sentBatches: 0, failedBatches: 0 },
    connect: async () => undefined,
    close: async () => undefined,
    send: async (messages: OutMessage[]) => {
      produced.push(messages);
    },
  };
  const app = await inProcessIngest(producer, {
    apiKeys: loadApiKeys({ hashes: [`${hashApiKey(FEED_KEY)}:feed`, `${hashApiKey(SUBSCRIPTIONS_KEY)}:subscriptions`] }),
  });
  return { app, produced };
}

const post = (id: string) => ({ id, at: Date.now(), text: 'is facebook down?? #facebookdown', source: 'twitter', authorHash: 'a1' });
const report = (id: string) => ({ id, serviceId: 'facebook', problem: 'app', reporterId: 'u' });

describe('ingest: API key scopes', () => {
  it('refuses a subscriptions key on every keyed endpoint with 403 FORBIDDEN_SCOPE, and produces nothing', async () => {
    const { app, produced } = await ingest();
    const calls = [
      { url: '/v1/posts', payload: JSON.stringify(post('p-1')), type: 'application/json' },
      { url: '/v1/posts/batch', payload: JSON.stringify(post('p-2')) + '\n', type: 'application/x-ndjson' },
      { url: '/v1/reports/batch', payload: JSON.stringify(report('r-1')) + '\n', type: 'application/x-ndjson' },
    ];
    for (const c of calls) {
      const r = await app.inject({ method: 'POST', url: c.url, payload: c.payload, headers: { 'content-type': c.type, 'x-api-key': SUBSCRIPTIONS_KEY } });
      expect(r.statusCode, c.url).toBe(403);
      expect(r.json()).toMatchObject({ statusCode: 403, code: 'FORBIDDEN_SCOPE', field: 'x-api-key', message: 'this API key has the scope subscriptions; this endpoint needs a key with the scope feed' });
      const none = await app.inject({ method: 'POST', url: c.url, payload: c.payload, headers: { 'content-type': c.type } });
      expect(none.statusCode, c.url).toBe(401);
    }
    expect(produced).toEqual([]);
    await app.close();
  });

  it('accepts the feed key on the same endpoints, and the report button without a key', async () => {
    const { app, produced } = await ingest();
    expect((await app.inject({ method: 'POST', url: '/v1/posts', payload: post('p-3'), headers: { 'x-api-key': FEED_KEY } })).statusCode).toBe(202);
    const batch = await app.inject({ method: 'POST', url: '/v1/reports/batch', payload: JSON.stringify(report('r-2')) + '\n', headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${FEED_KEY}` } });
    expect(batch.statusCode, batch.body).toBe(202);
    expect((await app.inject({ method: 'POST', url: '/v1/reports', payload: report('r-3') })).statusCode).toBe(202);
    expect(produced.length).toBe(3);
    await app.close();
  });
});
