import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsRegistry, hashApiKey, loadApiKeys } from '@downradar/common';
import { buildHttpApp } from './app';
import { createDestinationGuard } from './destination-guard';
import { SubscriptionStore } from './subscription-store';

const KEY = 'drk_test_key_for_the_subscriptions_api';
const FEED_KEY = 'drk_test_key_of_a_feed_only';
const dir = mkdtempSync(join(tmpdir(), 'notifier-api-'));
const path = join(dir, 'subscriptions.json');
const store = SubscriptionStore.load(path);
// Names resolve from this table, as a DNS server would answer (no query leaves the test, no connection is made).
const DNS: Record<string, string[]> = {
  'example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  'hooks.partner.example': ['198.41.0.4'],
  'to-loopback.example': ['127.0.0.1'],
  'half-inside.example': ['198.41.0.4', '10.1.2.3'],
  'metadata.example': ['169.254.169.254'],
  'v6-inside.example': ['2606:4700::1111', 'fd12:3456::1'],
};
const guard = createDestinationGuard({
  allow: ['127.0.0.1:9999', '10.20.0.0/16'],
  resolve: async (host) => {
    const found = DNS[host];
    if (!found) throw Object.assign(new Error(`queryA ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found;
  },
});
const app = buildHttpApp({
  store,
  apiKeys: loadApiKeys({ hashes: [`${hashApiKey(KEY)}:subscriptions`, `${hashApiKey(FEED_KEY)}:feed`] }),
  registry: createMetricsRegistry('notifier-test', false),
  guard,
});
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
      expect(r.json()).toEqual({ statusCode: 401, code: 'UNAUTHORIZED', error: 'Unauthorized', message: 'a valid API key is required in the x-api-key header', field: 'x-api-key' });
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
      expect(r.json()).toEqual({ statusCode: 403, code: 'FORBIDDEN_SCOPE', error: 'Forbidden', message: 'this API key has the scope feed; this endpoint needs a key with the scope subscriptions', field: 'x-api-key' });
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
    const r = await app.inject({ method: 'POST', url: '/v1/subscriptions', headers: auth, payload: { url: 'https://example.com/x', secret: 'my-own-secret-of-some-length' } });
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
      expect(r.json()).toMatchObject({ statusCode: 400, code: 'BAD_FIELD', error: 'Bad Request' });
      expect(r.json().message).toMatch(msg);
    }
  });

  it('400 DESTINATION_REFUSED, naming the rule, for URLs that point inside (SSRF), and nothing is stored', async () => {
    const before = store.size;
    const cases: Array<[url: string, rule: string, address: string]> = [
      ['http://127.0.0.1:8123/?query=SELECT%201', 'loopback', '127.0.0.1'],
      ['http://127.0.0.1:9998/x', 'loopback', '127.0.0.1'], // the allowlist names port 9999 only
      ['http://127.1/x', 'loopback', '127.0.0.1'], // URL syntax normalises short and decimal forms
      ['http://2130706433/x', 'loopback', '127.0.0.1'],
      ['http://0x7f000001/x', 'loopback', '127.0.0.1'],
      ['http://[::1]:8083/v1/subscriptions', 'loopback', '::1'],
      ['http://[::ffff:127.0.0.1]/x', 'loopback', '::ffff:7f00:1'],
      ['http://localhost:8080/x', 'loopback', '127.0.0.1'],
      ['http://api.localhost./x', 'loopback', '127.0.0.1'],
      ['http://0.0.0.0:8082/x', 'unspecified', '0.0.0.0'],
      ['http://10.0.0.8/hook', 'private', '10.0.0.8'],
      ['http://172.16.5.4/hook', 'private', '172.16.5.4'],
      ['https://192.168.1.1/hook', 'private', '192.168.1.1'],
      ['http://100.64.0.1/hook', 'private', '100.64.0.1'],
      ['http://169.254.169.254/latest/meta-data/', 'link-local', '169.254.169.254'],
      ['http://[fe80::1]/x', 'link-local', 'fe80::1'],
      ['http://[fd00::5]/x', 'unique-local', 'fd00::5'],
      ['http://[64:ff9b::a9fe:a9fe]/x', 'link-local', '64:ff9b::a9fe:a9fe'],
      ['http://224.0.0.1/x', 'multicast', '224.0.0.1'],
      ['https://to-loopback.example/hook', 'loopback', '127.0.0.1'],
      ['https://half-inside.example/hook', 'private', '10.1.2.3'],
      ['https://metadata.example/latest', 'link-local', '169.254.169.254'],
      ['https://v6-inside.example/hook', 'unique-local', 'fd12:3456::1'],
    ];
    for (const [url, rule, address] of cases) {
      const r = await app.inject({ method: 'POST', url: '/v1/subscriptions', headers: auth, payload: { url } });
      expect(r.statusCode, url).toBe(400);
      const body = r.json();
      expect(body, url).toMatchObject({ statusCode: 400, code: 'DESTINATION_REFUSED', field: 'url' });
      expect(body.message, url).toContain(`${address}, a ${rule} address`);
      expect(body.message).toMatch(/^body\.url: .*DOWNRADAR_WEBHOOK_ALLOW/);
    }
    expect(store.size).toBe(before);
  });

  it('accepts public destinations, allowlisted ones, and names that do not resolve yet (deliveries check again)', async () => {
    for (const url of ['https://example.com/hook', 'https://hooks.partner.example/x', 'http://127.0.0.1:9999/mine', 'http://10.20.3.4/mine', 'https://not-yet.example/hook']) {
      const r = await app.inject({ method: 'POST', url: '/v1/subscriptions', headers: auth, payload: { url } });
      expect(r.statusCode, `${url}: ${r.body}`).toBe(201);
    }
  });

  it('health and metrics need no key', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
  });
});
