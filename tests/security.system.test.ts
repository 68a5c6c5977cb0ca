/**
 * Security of a whole running system (every service as its own process, log level trace):
 *   - API keys: the batch, post and subscription endpoints answer 401 without a valid key, and
 *     403 with a key of the other scope (feed keys cannot manage subscriptions, subscription
 *     keys cannot post);
 *   - webhooks cannot point inside: subscriptions to loopback (ClickHouse's own port), private
 *     and link-local addresses get 400 naming the rule;
 *   - no secret in logs: after requests that carry the API key (x-api-key and Bearer), a wrong
 *     key, a webhook secret and a reporter id, none of them appears in any service's output;
 *     the reporter id does not reach ClickHouse either (only its salted hash does);
 *   - the `analyst` ClickHouse user cannot write;
 *   - CORS: the read API lets the dashboard's origin call it from a browser, and no other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, newApiKey, queryRows, servicesAccountFromEnv } from '@downradar/common';
import { analystAccount, clickhouseAuthHeaders, eventually, randomSuffix } from '@downradar/common/testing';
import { startSystem, type TestSystem } from './harness/system';

let sys: TestSystem;
const wrongKey = newApiKey();
const reporterId = `reporter-${randomSuffix(12)}@example.com`;
const webhookSecret = `whsec_${randomSuffix(16)}${randomSuffix(16)}`;
const run = randomSuffix(6);
const FOREIGN_ORIGIN = 'https://evil.example';

beforeAll(async () => {
  // Webhooks to loopback are refused unless allowed: this test's receiver address is port 9 only.
  sys = await startSystem('security', { env: { DOWNRADAR_LOG_LEVEL: 'trace', DOWNRADAR_WEBHOOK_ALLOW: '127.0.0.1:9' } });
}, 300_000);
afterAll(async () => {
  await sys?.stop();
});

async function call(service: 'ingest' | 'notifier', method: string, path: string, opts: { key?: string; bearer?: string; body?: string; type?: string } = {}) {
  const headers: Record<string, string> = {};
  if (opts.key) headers['x-api-key'] = opts.key;
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  if (opts.body !== undefined) headers['content-type'] = opts.type ?? 'application/json';
  const res = await fetch(`${sys.url(service)}${path}`, { method, headers, ...(opts.body !== undefined ? { body: opts.body } : {}) });
  return { status: res.status, text: await res.text() };
}

const now = () => Date.now();
const post = (n: number) => JSON.stringify({ id: `sec-${run}-post-${n}`, at: now(), text: 'is facebook down?? #facebookdown', source: 'twitter', authorHash: 'a1' });
const report = (n: number) => JSON.stringify({ id: `sec-${run}-report-${n}`, serviceId: 'facebook', problem: 'app', reporterId });

describe('security', () => {
  it('requires an API key on the batch, post and subscription endpoints', async () => {
    const ndjson = 'application/x-ndjson';
    const guarded: [service: 'ingest' | 'notifier', method: string, path: string, body?: string, type?: string][] = [
      ['ingest', 'POST', '/v1/reports/batch', report(0) + '\n', ndjson],
      ['ingest', 'POST', '/v1/posts', post(0)],
      ['ingest', 'POST', '/v1/posts/batch', post(0) + '\n', ndjson],
      ['notifier', 'GET', '/v1/subscriptions'],
      ['notifier', 'POST', '/v1/subscriptions', JSON.stringify({ url: 'http://127.0.0.1:9/hook' })],
      ['notifier', 'GET', '/v1/subscriptions/sub_abcdefgh12'],
      ['notifier', 'DELETE', '/v1/subscriptions/sub_abcdefgh12'],
    ];
    for (const [service, method, path, body, type] of guarded) {
      const base = { ...(body !== undefined ? { body } : {}), ...(type ? { type } : {}) };
      expect((await call(service, method, path, base)).status, `${method} ${path} without a key`).toBe(401);
      expect((await call(service, method, path, { ...base, key: wrongKey })).status, `${method} ${path} with a wrong key`).toBe(401);
      expect((await call(service, method, path, { ...base, bearer: wrongKey })).status, `${method} ${path} with a wrong Bearer token`).toBe(401);
    }
    // The public report button needs no key.
    expect((await call('ingest', 'POST', '/v1/reports', { body: report(1) })).status).toBe(202);
  });

  it('refuses a key of the other scope with 403: a feed key cannot manage subscriptions, a subscriptions key cannot post', async () => {
    const ndjson = 'application/x-ndjson';
    for (const [method, path, body] of [
      ['GET', '/v1/subscriptions', undefined],
      ['POST', '/v1/subscriptions', JSON.stringify({ url: 'http://127.0.0.1:9/hook' })],
      ['DELETE', '/v1/subscriptions/sub_abcdefgh12', undefined],
    ] as const) {
      const r = await call('notifier', method, path, { key: sys.apiKey, ...(body ? { body } : {}) });
      expect(r.status, `${method} ${path} with a feed key`).toBe(403);
      expect(JSON.parse(r.text)).toMatchObject({ code: 'FORBIDDEN_SCOPE', field: 'x-api-key' });
    }
    for (const [path, body, type] of [
      ['/v1/posts', post(10), undefined],
      ['/v1/posts/batch', post(11) + '\n', ndjson],
      ['/v1/reports/batch', report(10) + '\n', ndjson],
    ] as const) {
      const r = await call('ingest', 'POST', path, { key: sys.subscriptionsKey, body, ...(type ? { type } : {}) });
      expect(r.status, `POST ${path} with a subscriptions key`).toBe(403);
      expect(JSON.parse(r.text)).toMatchObject({ code: 'FORBIDDEN_SCOPE', field: 'x-api-key' });
    }
    const list = await call('notifier', 'GET', '/v1/subscriptions', { key: sys.subscriptionsKey });
    expect(list.status).toBe(200);
    expect(JSON.parse(list.text).subscriptions).toEqual([]);
  });

  it('refuses webhook subscriptions that point inside (ClickHouse, loopback, private, link-local) with 400 naming the rule', async () => {
    const clickhousePort = new URL(sys.clickhouseUrl).port;
    for (const [url, rule] of [
      [`http://127.0.0.1:${clickhousePort}/?query=SELECT%201`, 'loopback'],
      [`http://localhost:${clickhousePort}/`, 'loopback'],
      [`http://[::1]:${clickhousePort}/`, 'loopback'],
      ['http://10.0.0.1/hook', 'private'],
      ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ] as const) {
      const r = await call('notifier', 'POST', '/v1/subscriptions', { key: sys.subscriptionsKey, body: JSON.stringify({ url }) });
      expect(r.status, url).toBe(400);
      const body = JSON.parse(r.text) as { code: string; field: string; message: string };
      expect(body, url).toMatchObject({ code: 'DESTINATION_REFUSED', field: 'url' });
      expect(body.message, url).toContain(`a ${rule} address`);
    }
  });

  it('accepts the right key, and neither it, a wrong key, a webhook secret nor a reporter id shows up in any log', async () => {
    const key = sys.apiKey;
    const hooksKey = sys.subscriptionsKey;
    const ndjson = 'application/x-ndjson';
    expect((await call('ingest', 'POST', '/v1/posts', { key, body: post(1) })).status).toBe(202);
    expect((await call('ingest', 'POST', '/v1/posts/batch', { bearer: key, body: post(2) + '\n' + post(3) + '\n', type: ndjson })).status).toBe(202);
    const batch = await call('ingest', 'POST', '/v1/reports/batch', { key, body: [report(2), report(3), '{"broken', JSON.stringify({ reporterId, serviceId: 'nosuch', problem: 'app' })].join('\n'), type: ndjson });
    expect(batch.status, batch.text).toBe(202);
    expect(JSON.parse(batch.text)).toMatchObject({ accepted: 2, rejected: 2 });
    // Bad requests that carry the secrets: validation errors, unknown fields, wrong content type.
    await call('ingest', 'POST', '/v1/reports', { key, body: JSON.stringify({ serviceId: 'facebook', problem: 'app', reporterId, extra: key }) });
    await call('ingest', 'POST', '/v1/reports', { key, body: JSON.stringify({ serviceId: 'facebook', problem: 'nosuch', reporterId }) });
    expect((await call('ingest', 'POST', '/v1/reports/batch', { key, body: report(4), type: 'application/xml' })).status).toBe(415);

    const created = await call('notifier', 'POST', '/v1/subscriptions', { key: hooksKey, body: JSON.stringify({ url: 'http://127.0.0.1:9/hook', secret: webhookSecret, services: ['slack'] }) });
    expect(created.status, created.text).toBe(201);
    const { id } = JSON.parse(created.text) as { id: string };
    const list = await call('notifier', 'GET', '/v1/subscriptions', { bearer: hooksKey });
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(webhookSecret);
    await call('notifier', 'POST', '/v1/subscriptions', { key: hooksKey, body: JSON.stringify({ url: 'ftp://nope', secret: webhookSecret }) });
    expect((await call('notifier', 'DELETE', `/v1/subscriptions/${id}`, { key: hooksKey })).status).toBe(204);

    // The reports reach ClickHouse with the reporter hashed, and the services have logged meanwhile.
    const ch = createClickHouse({ url: sys.clickhouseUrl });
    try {
      let seen = 0;
      const rows = await eventually(
        async () => {
          const r = await queryRows<Record<string, unknown>>(ch, `SELECT * FROM ${sys.database}.reports WHERE id LIKE 'sec-${run}-%'`);
          seen = r.length;
          return r.length === 3 ? r : undefined;
        },
        120_000,
        'the three reports in ClickHouse',
      ).catch((err: Error) => {
        throw new Error(`${err.message} (${seen} there)\n${sys.logs.filter((l) => l.startsWith('[sink]')).slice(-30).join('\n')}`);
      });
      expect(JSON.stringify(rows)).not.toContain(reporterId);
      expect(rows.every((r) => /^[0-9a-f]{32}$/.test(String(r.reporter_hash)))).toBe(true);
    } finally {
      await ch.close();
    }

    // The scan sees what the services logged about these very requests: their output comes
    // through pipes, so wait until the notifier's line about the subscription has arrived.
    await eventually(async () => (sys.logs.some((l) => l.startsWith('[notifier]') && l.includes(id)) ? true : undefined), 30_000, `the notifier's log line about ${id}`);
    const services = new Set(sys.logs.map((l) => /^\[(\w+)\]/.exec(l)?.[1]));
    expect([...services].sort()).toEqual(expect.arrayContaining(['api', 'detector', 'ingest', 'notifier', 'sink']));
    // The services logged in to ClickHouse with a generated password, which no log may show either.
    expect(servicesAccountFromEnv().password).toMatch(/^[0-9a-f]{48}$/);
    for (const [what, secret] of [
      ['the API key', key],
      ['the subscriptions API key', hooksKey],
      ['a wrong API key', wrongKey],
      ["the services' ClickHouse password", servicesAccountFromEnv().password],
      ['the webhook secret', webhookSecret],
      ['the reporter id', reporterId],
    ] as const) {
      const leaks = sys.logs.filter((l) => l.includes(secret));
      expect(leaks, `${what} appears in the logs`).toEqual([]);
    }
  });

  it('keeps the analyst ClickHouse user read-only', async () => {
    const res = await fetch(`${sys.clickhouseUrl}/`, {
      method: 'POST',
      headers: clickhouseAuthHeaders(analystAccount()),
      body: `INSERT INTO ${sys.database}.reports (id, service_id) VALUES ('sec-${run}-analyst', 'facebook')`,
    });
    const text = await res.text();
    expect(res.ok).toBe(false);
    expect(text).toMatch(/Code: 164/);
  });

  it('answers CORS preflights from the dashboard origin only', async () => {
    const dashboard = sys.env.DOWNRADAR_CORS_ORIGIN!;
    const preflight = (origin: string) =>
      fetch(`${sys.url('api')}/v1/services`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } });
    const foreign = await preflight(FOREIGN_ORIGIN);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const own = await preflight(dashboard);
    expect(own.status).toBeLessThan(300);
    expect(own.headers.get('access-control-allow-origin')).toBe(dashboard);
    // A simple cross-origin GET is not let through to a foreign page's script either.
    const get = await fetch(`${sys.url('api')}/v1/services`, { headers: { origin: FOREIGN_ORIGIN } });
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
    // And the API does not accept writes from a browser: only GET, HEAD and OPTIONS are allowed.
    const write = await fetch(`${sys.url('api')}/v1/services`, { method: 'OPTIONS', headers: { origin: dashboard, 'access-control-request-method': 'DELETE' } });
    expect(write.headers.get('access-control-allow-methods') ?? '').not.toMatch(/DELETE/);
  });
});
