import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsRegistry, hashApiKey, loadApiKeys } from '@downradar/common';
import { buildHttpApp } from './app';
import { SubscriptionStore } from './subscription-store';

const KEY = 'drk_test_key_for_the_subscriptions_api';
const FEED_KEY = 'drk_test_key_of_a_feed_only';
const dir = mkdtempSync(join(tmpdir(), 'notifier-api-'));
const path = join(dir, 'subscriptions.json');
const store = SubscriptionStore.load(path);
const app = buildHttpApp({ store, apiKeys: loadApiKeys({ hashes: [`${hashApiKey(KEY)}:subscriptions`, `${hashApiKey(FEED_KEY)}:feed`] }), registry: createMetricsRegistry('notifier-test', false) });
const auth = { 'x-api-key': KEY };

beforeAll(() => app.ready());
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('subscriptions API', () => {
  it('401 without a key or with a wrong one', async () => {
    for (const headers of [{}, { 'x-api-key': 'drk_wrong' }, { authorization: 'Basic abc' }]) {
      const r = await app.inject({ method: 'GET', url: '/v1/subscriptions', headers });
      expect(r.statusCode).toBe(401);
      expect(r.json()).toEqual({ error: 'UNAUTHORIZED', message: 'a valid API key is required in the x-api-key header' });
    }
    const r = await app.inject({ method: 'POST', url: '/v1/subscriptions', payload: { url: 'https://example.com/hook' } });
    expect(r.statusCode).toBe(401);
    expect(store.size).toBe(0);
  });

  it('403 for a key whose scope is feed, on every route, and nothing is created', async () => {
    for (const [method, url] of [
      ['GET', '/v1/subscriptions'],
      ['POST', '/v1/subscriptions'],
      ['GET', '/v1/subscriptions/sub_abcdefgh12'],
      ['DELETE', '/v1/subscriptions/sub_abcdefgh12'],
    ] as const) {
      const r = await app.inject({ method, url, headers: { 'x-api-key': FEED_KEY }, ...(method === 'POST' ? { payload: { url: 'https://example.com/hook' } } : {}) });
      expect(r.statusCode, `${method} ${url}`).toBe(403);
      expect(r.json()).toEqual({ error: 'FORBIDDEN_SCOPE', message: 'this API key has the scope feed; this endpoint needs a key with the scope subscriptions' });
    }
    expect(store.size).toBe(0);
  });

  it('creates (201, the secret once), lists without secrets, deletes', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/subscriptions',
      headers: { authorization: `Bearer ${KEY}` },
      payload: { url: 'https://example.com/hook', families: ['meta'], minLevel: 'danger', format: 'slack' },
    });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({ url: 'https://example.com/hook', families: ['meta'], services: [], minLevel: 'danger', format: 'slack', types: ['opened', 'updated', 'resolved'] });
    expect(body.secret).toMatch(/^whsec_/);
    expect(readFileSync(path, 'utf8')).toContain(body.id);

    const list = await app.inject({ method: 'GET', url: '/v1/subscriptions', headers: auth });
    expect(list.statusCode).toBe(200);
    expect(list.json().subscriptions).toHaveLength(1);
    expect(list.body).not.toContain(body.secret);
    const one = await app.inject({ method: 'GET', url: `/v1/subscriptions/${body.id}`, headers: auth });
    expect(one.json().id).toBe(body.id);
    expect(one.body).not.toContain('secret');

    expect((await app.inject({ method: 'DELETE', url: `/v1/subscriptions/${body.id}`, headers: auth })).statusCode).toBe(204);
    expect((await app.inject({ method: 'DELETE', url: `/v1/subscriptions/${body.id}`, headers: auth })).statusCode).toBe(404);
    expect(readFileSync(path, 'utf8')).not.toContain(body.id);
  });

  it('keeps a secret chosen by the caller', async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/subscriptions', headers: auth, payload: { url: 'http://127.0.0.1:9999/x', secret: 'my-own-secret-of-some-length' } });
    expect(r.statusCode).toBe(201);
    expect(r.json().secret).toBe('my-own-secret-of-some-length');
  });

  it('400 names what is wrong', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ url: 'ftp://example.com/x' }, /url/],
      [{ url: 'https://example.com/x', familes: ['meta'] }, /familes|additional/],
      [{ url: 'https://example.com/x', minLevel: 'critical' }, /minLevel/],
      [{ url: 'https://example.com/x', services: ['Not A Slug'] }, /services/],
      [{ url: 'https://example.com/x', secret: 'short' }, /secret/],
      [{ url: 'http://exa mple.com/x' }, /url/],
      [{}, /url/],
    ];
    for (const [payload, msg] of cases) {
      const r = await app.inject({ method: 'POST', url: '/v1/subscriptions', headers: auth, payload: payload as object });
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json().error).toBe('INVALID_REQUEST');
      expect(r.json().message).toMatch(msg);
    }
  });

  it('health and metrics need no key', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
  });
});
