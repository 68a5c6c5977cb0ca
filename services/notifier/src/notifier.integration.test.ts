import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createKafka,
  createLogger,
  createProducer,
  deleteTopicsWithPrefix,
  hashApiKey,
  loadConfig,
  runConsumer,
  type ConsumerRunner,
} from '@downradar/common';
import { groupLag } from '@downradar/common/testing';
import type { DlqRecord, IncidentEvent } from '../../../schemas/events/index';
import { buildNotifier, type Notifier } from './app';
import { notifierConfig } from './config';
import { verifySignature } from './signature';
import { incidentEvent } from './test-fixtures';
import { TestDnsServer } from './test-dns-server';
import { TestReceiver, waitFor } from './test-receiver';

/**
 * The notifier against the real broker (127.0.0.1:9092, brought up by infra/stack.sh) and real
 * HTTP receivers on loopback ports. Every test has its own topic prefix and subscriptions file.
 */
const BROKERS = (process.env.DOWNRADAR_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const API_KEY = 'drk_integration_test_key';
const SECRET = 'whsec_integration_secret_0001';
const kafka = createKafka({ brokers: BROKERS, clientId: 'notifier-it' });
const logger = createLogger('notifier-it', process.env.TEST_LOG_LEVEL ?? 'silent');

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

interface World {
  prefix: string;
  dir: string;
  notifier: Notifier;
  produce(events: IncidentEvent[]): Promise<void>;
  subscribe(body: Record<string, unknown>): Promise<{ id: string; secret: string }>;
  restart(env?: Record<string, string>): Promise<Notifier>;
}

async function world(env: Record<string, string> = {}): Promise<World> {
  const prefix = `it-notifier-${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'notifier-it-'));
  const baseEnv = {
    DOWNRADAR_KAFKA_BROKERS: BROKERS.join(','),
    DOWNRADAR_TOPIC_PREFIX: prefix,
    DOWNRADAR_KAFKA_PARTITIONS: '3',
    DOWNRADAR_NOTIFIER_SUBSCRIPTIONS_FILE: join(dir, 'subscriptions.json'),
    DOWNRADAR_API_KEY_HASHES: `${hashApiKey(API_KEY)}:subscriptions`,
    // The receivers of these tests are on loopback, which the notifier refuses unless allowed.
    DOWNRADAR_WEBHOOK_ALLOW: '127.0.0.1',
    DOWNRADAR_API_KEYS_FILE: join(dir, 'no-such-file'),
    DOWNRADAR_NOTIFIER_FROM_BEGINNING: 'true',
    DOWNRADAR_NOTIFIER_PORT: '0',
    DOWNRADAR_WEBHOOK_TIMEOUT_MS: '1000',
    DOWNRADAR_WEBHOOK_RETRY_BASE_MS: '100',
    DOWNRADAR_WEBHOOK_RETRY_MAX_MS: '400',
    DOWNRADAR_WEBHOOK_MAX_ATTEMPTS: '200',
    DOWNRADAR_WEBHOOK_RETRY_HORIZON_MS: '60000',
    DOWNRADAR_NOTIFIER_ALERT_PATIENCE_MS: '1000',
    DOWNRADAR_NOTIFIER_RETRY_PATIENCE_MS: '1000',
    DOWNRADAR_LOG_LEVEL: 'silent',
    ...env,
  };
  const producer = createProducer({ kafka });
  await producer.connect();
  let current: Notifier;
  const start = async (extra: Record<string, string> = {}) => {
    const n = buildNotifier(loadConfig(notifierConfig, { ...baseEnv, ...extra }), { logger });
    await n.start();
    await n.http.listen({ host: '127.0.0.1', port: 0 });
    return n;
  };
  current = await start();
  cleanups.push(async () => {
    await current.close();
    await producer.close();
    await deleteTopicsWithPrefix(kafka, prefix);
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    prefix,
    dir,
    get notifier() {
      return current;
    },
    async produce(events) {
      await producer.send(events.map((e) => ({ topic: current.topics.alerts, key: e.incidentId, value: JSON.stringify(e) })));
    },
    async subscribe(body) {
      const r = await current.http.inject({ method: 'POST', url: '/v1/subscriptions', headers: { 'x-api-key': API_KEY }, payload: body });
      expect(r.statusCode, r.body).toBe(201);
      return r.json() as { id: string; secret: string };
    },
    async restart(extra = {}) {
      await current.close();
      current = await start(extra);
      return current;
    },
  } as World;
}

async function receiver(behaviour?: ConstructorParameters<typeof TestReceiver>[0]): Promise<TestReceiver> {
  const r = await new TestReceiver(behaviour).start();
  cleanups.push(() => r.stop());
  return r;
}

/** Collects what lands on a topic (the dead-letter topic here). */
async function collect(topic: string): Promise<{ values: string[]; runner: ConsumerRunner }> {
  const values: string[] = [];
  const runner = await runConsumer({
    kafka,
    groupId: `collector-${randomBytes(4).toString('hex')}`,
    topics: [topic],
    fromBeginning: true,
    handleBatch: async (b) => {
      for (const m of b.messages) values.push(m.value?.toString('utf8') ?? '');
    },
  });
  cleanups.push(() => runner.stop());
  return { values, runner };
}

/**
 * Resolves once the notifier has nothing left to do: no delivery pending in this process, and both
 * of its groups have committed every alert and every retry checkpoint written so far. Only then
 * does "delivered once" mean that no second delivery can still come.
 */
async function settled(w: World): Promise<void> {
  await waitFor(
    async () =>
      w.notifier.engine.pending === 0 &&
      (await groupLag(kafka, `${w.prefix}.notifier`, w.notifier.topics.alerts)) === 0 &&
      (await groupLag(kafka, `${w.prefix}.notifier-retry`, w.notifier.topics.retry)) === 0,
    30_000,
    'the notifier settled (nothing pending, both groups committed)',
  );
}

const eventIdsOf = (r: TestReceiver) => r.delivered.map((q) => q.headers['x-downradar-event-id']);

describe('notifier against the real broker', () => {
  it('delivers an alert from Kafka to a receiver, signed; a Slack subscription gets {text, blocks}', async () => {
    const w = await world();
    const json = await receiver();
    const slack = await receiver();
    const subJson = await w.subscribe({ url: json.url, secret: SECRET, families: ['meta'] });
    await w.subscribe({ url: slack.url, format: 'slack' });
    const ignored = await receiver();
    await w.subscribe({ url: ignored.url, services: ['gmail'] });

    const ev = incidentEvent({ incidentId: `inc-${w.prefix}` });
    const ev2 = { ...ev, seq: 2, eventId: `${ev.incidentId}:2`, type: 'updated' as const };
    await w.produce([ev, ev2]);

    await waitFor(() => json.delivered.length >= 2 && slack.delivered.length >= 2, 30_000, 'both receivers');
    const first = json.delivered.find((r) => r.headers['x-downradar-event-id'] === ev.eventId)!;
    expect(JSON.parse(first.body)).toEqual(ev);
    expect(first.headers['x-downradar-delivery-attempt']).toBe('1');
    expect(first.headers['x-downradar-subscription-id']).toBe(subJson.id);
    expect(first.headers['content-type']).toBe('application/json');
    expect(verifySignature(first.headers['x-downradar-signature'] as string, first.body, SECRET)).toMatchObject({ ok: true });
    expect(verifySignature(first.headers['x-downradar-signature'] as string, first.body, 'whsec_another_secret_000')).toMatchObject({ ok: false });
    expect(eventIdsOf(json).sort()).toEqual([ev.eventId, ev2.eventId]);

    const s = JSON.parse(slack.delivered[0]!.body);
    expect(Object.keys(s)).toEqual(['text', 'blocks']);
    expect(s.text).toContain('Facebook');
    expect(ignored.requests).toHaveLength(0);

    // The receiver records a request before it answers; the notifier counts it once the answer is in.
    const metrics = await waitFor(async () => {
      const m = (await w.notifier.http.inject({ method: 'GET', url: '/metrics' })).body;
      return /webhook_deliveries_total\{result="delivered"[^}]*\} 4\n/.test(m) && m;
    }, 10_000, 'four deliveries counted');
    expect(metrics).toContain('webhook_delivery_duration_ms_bucket');
  });

  it('a receiver that fails the first 3 times gets the event once after retries (inline)', async () => {
    const w = await world({ DOWNRADAR_NOTIFIER_ALERT_PATIENCE_MS: '10000' });
    const flaky = await receiver(({ n }) => (n <= 3 ? (n === 2 ? { status: 429, headers: { 'retry-after': '1' } } : 503) : 200));
    await w.subscribe({ url: flaky.url });
    const ev = incidentEvent({ incidentId: `inc-${w.prefix}` });
    await w.produce([ev]);
    await waitFor(() => flaky.delivered.length === 1, 30_000, 'delivery after retries');
    expect(flaky.requests.map((r) => r.status)).toEqual([503, 429, 503, 200]);
    expect(flaky.requests.map((r) => r.headers['x-downradar-delivery-attempt'])).toEqual(['1', '2', '3', '4']);
    expect(flaky.requests.every((r) => r.headers['x-downradar-event-id'] === ev.eventId)).toBe(true);
    // Retry-After: 1 s was honoured between attempts 2 and 3.
    expect(flaky.requests[2]!.at - flaky.requests[1]!.at).toBeGreaterThanOrEqual(950);
    await settled(w);
    expect(flaky.delivered).toHaveLength(1);
  });

  it('the same, through the retry topic: checkpointed after the patience, delivered once', async () => {
    const w = await world({ DOWNRADAR_NOTIFIER_ALERT_PATIENCE_MS: '0', DOWNRADAR_WEBHOOK_RETRY_BASE_MS: '300', DOWNRADAR_WEBHOOK_RETRY_MAX_MS: '600' });
    const flaky = await receiver(({ n }) => (n <= 4 ? 500 : 200));
    await w.subscribe({ url: flaky.url });
    const ev = incidentEvent({ incidentId: `inc-${w.prefix}` });
    await w.produce([ev]);
    await waitFor(() => flaky.delivered.length === 1, 30_000, 'delivery after retries');
    const metrics = await w.notifier.http.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/webhook_retry_checkpoints_total\{from="alerts"[^}]*\} [1-9]/);
    await settled(w);
    expect(flaky.delivered).toHaveLength(1);
    expect(flaky.requests).toHaveLength(5);
  });

  it('a dead receiver does not delay another subscription', async () => {
    // The default alert patience (250 ms) is what bounds the delay.
    const w = await world({ DOWNRADAR_NOTIFIER_ALERT_PATIENCE_MS: '', DOWNRADAR_WEBHOOK_TIMEOUT_MS: '20000' });
    const dead = await receiver(() => 'hang'); // accepts and never answers: the worst kind of dead
    const live = await receiver();
    await w.subscribe({ url: dead.url });
    await w.subscribe({ url: live.url });
    // Same incident, so the same partition: later events queue behind the earlier ones.
    const incidentId = `inc-${w.prefix}`;
    const lags: number[] = [];
    for (let seq = 1; seq <= 4; seq++) {
      const ev = incidentEvent({ incidentId, seq, type: seq === 1 ? 'opened' : 'updated' });
      const t = Date.now();
      await w.produce([ev]);
      await waitFor(() => eventIdsOf(live).includes(ev.eventId), 15_000, `live receiver gets ${ev.eventId}`);
      lags.push(Date.now() - t);
    }
    // The dead receiver's requests each hang for 20 s; the live one hears of every event within
    // the alert patience (250 ms) plus broker latency.
    expect(Math.max(...lags)).toBeLessThan(1500);
    expect(dead.delivered).toHaveLength(0);
    expect(dead.requests.length).toBeGreaterThanOrEqual(1);
  });

  it('the subscriptions API needs an API key: 401 without, 201 with', async () => {
    const w = await world();
    const base = `http://127.0.0.1:${(w.notifier.http.server.address() as { port: number }).port}`;
    const body = JSON.stringify({ url: 'https://example.com/hook' });
    const without = await fetch(`${base}/v1/subscriptions`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(without.status).toBe(401);
    const wrong = await fetch(`${base}/v1/subscriptions`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-api-key': 'drk_wrong' } });
    expect(wrong.status).toBe(401);
    const withKey = await fetch(`${base}/v1/subscriptions`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-api-key': API_KEY } });
    expect(withKey.status).toBe(201);
    const created = (await withKey.json()) as { id: string; secret: string };
    const list = await fetch(`${base}/v1/subscriptions`, { headers: { 'x-api-key': API_KEY } });
    const text = await list.text();
    expect(text).toContain(created.id);
    expect(text).not.toContain(created.secret);
  });

  it('dead-letters to webhooks-dlq with the reason after the last try, and at once on a 4xx', async () => {
    const w = await world({ DOWNRADAR_WEBHOOK_MAX_ATTEMPTS: '3' });
    const broken = await receiver(() => 500);
    const gone = await receiver(() => 410);
    const a = await w.subscribe({ url: broken.url });
    const b = await w.subscribe({ url: gone.url });
    const dlq = await collect(w.notifier.topics.webhookDlq);
    const ev = incidentEvent({ incidentId: `inc-${w.prefix}` });
    await w.produce([ev]);
    await waitFor(() => dlq.values.length >= 2, 30_000, 'two dead letters');
    const records = dlq.values.map((v) => JSON.parse(v) as DlqRecord);
    const ra = records.find((r) => r.id === `${a.id}:${ev.eventId}`)!;
    const rb = records.find((r) => r.id === `${b.id}:${ev.eventId}`)!;
    expect(ra).toMatchObject({ code: 'WEBHOOK_GAVE_UP' });
    expect(ra.reason).toMatch(/gave up after 3 attempt\(s\).*500/);
    expect(JSON.parse(ra.payload)).toEqual(ev);
    expect(rb).toMatchObject({ code: 'WEBHOOK_HTTP_410' });
    expect(broken.requests).toHaveLength(3);
    expect(gone.requests).toHaveLength(1);
  });

  it('an alert that is not an IncidentEvent goes to the dlq named by its Kafka position, not a random id', async () => {
    const w = await world();
    const dlq = await collect(w.notifier.topics.dlq);
    const positions: string[] = [];
    const alerts = await runConsumer({
      kafka,
      groupId: `positions-${randomBytes(4).toString('hex')}`,
      topics: [w.notifier.topics.alerts],
      fromBeginning: true,
      handleBatch: async (batch) => {
        for (const m of batch.messages) positions.push(`${batch.topic}:${batch.partition}:${m.offset}`);
      },
    });
    cleanups.push(() => alerts.stop());
    const producer = createProducer({ kafka });
    await producer.connect();
    cleanups.push(() => producer.close());
    await producer.send([{ topic: w.notifier.topics.alerts, key: 'x', value: '{"not":"an incident"}' }]);
    await waitFor(() => dlq.values.length >= 1 && positions.length >= 1, 30_000, 'the dead letter and the position');
    const record = JSON.parse(dlq.values[0]!) as DlqRecord;
    expect(record).toMatchObject({ id: `notifier:${positions[0]}`, code: 'INVALID_MESSAGE', payload: '{"not":"an incident"}' });
    expect(record.origin).toContain(w.notifier.topics.alerts);
  });

  it('a receiver down across a notifier restart gets its deliveries afterwards, each once', async () => {
    const w = await world({ DOWNRADAR_NOTIFIER_ALERT_PATIENCE_MS: '500' });
    const rcv = await receiver();
    const port = rcv.port;
    await rcv.stop(); // connection refused from now on
    await w.subscribe({ url: rcv.url });
    const incidentId = `inc-${w.prefix}`;
    const events = [1, 2, 3].map((seq) => incidentEvent({ incidentId, seq, type: seq === 1 ? 'opened' : 'updated' }));
    await w.produce(events);
    await waitFor(async () => {
      const m = await w.notifier.http.inject({ method: 'GET', url: '/metrics' });
      return /webhook_retry_checkpoints_total\{from="alerts"[^}]*\} 3/.test(m.body);
    }, 30_000, 'three checkpoints');
    // A new process: the pending deliveries are only in the retry topic now.
    await w.restart();
    await rcv.start(port);
    await waitFor(() => rcv.delivered.length >= 3, 30_000, 'deliveries after the receiver is back');
    await settled(w);
    expect(eventIdsOf(rcv).sort()).toEqual(events.map((e) => e.eventId).sort());
    expect(rcv.delivered.every((r) => Number(r.headers['x-downradar-delivery-attempt']) > 1)).toBe(true);
  });
});

/**
 * Webhooks that cannot reach inside (SSRF), against the real notifier: its HTTP API, Kafka, a
 * DNS server it asks like a real one (test-dns-server.ts, via DOWNRADAR_WEBHOOK_DNS_SERVERS) and
 * receivers on loopback. 127.0.0.2 stands for a receiver the operator allowed
 * (DOWNRADAR_WEBHOOK_ALLOW=127.0.0.2); a receiver on 127.0.0.1 at the same port stands for what
 * is inside (ClickHouse's HTTP port, a service's API), and must never get a request.
 */
describe('webhook destinations (SSRF)', () => {
  async function dnsServer(answer: ConstructorParameters<typeof TestDnsServer>[0]): Promise<TestDnsServer> {
    const d = await new TestDnsServer(answer).start();
    cleanups.push(() => d.stop());
    return d;
  }

  /** An allowed receiver on 127.0.0.2 and an inside one on 127.0.0.1, on the same port. */
  async function allowedAndInside(behaviour?: ConstructorParameters<typeof TestReceiver>[0]): Promise<{ allowed: TestReceiver; inside: TestReceiver }> {
    for (let attempt = 0; ; attempt++) {
      const allowed = await new TestReceiver(behaviour, '127.0.0.2').start();
      try {
        const inside = await new TestReceiver(() => 200, '127.0.0.1').start(allowed.port);
        cleanups.push(() => allowed.stop(), () => inside.stop());
        return { allowed, inside };
      } catch (err) {
        await allowed.stop();
        if (attempt >= 5) throw err;
      }
    }
  }

  const ssrfEnv = (dns: TestDnsServer) => ({ DOWNRADAR_WEBHOOK_ALLOW: '127.0.0.2', DOWNRADAR_WEBHOOK_DNS_SERVERS: dns.server });

  it('refuses subscriptions to loopback, private and link-local targets with 400 naming the rule', async () => {
    const dns = await dnsServer((name) => ({ 'loop.test': ['127.0.0.1'], 'meta.test': ['169.254.169.254'], 'fine.test': ['127.0.0.2'] })[name]);
    const w = await world(ssrfEnv(dns));
    const base = `http://127.0.0.1:${(w.notifier.http.server.address() as { port: number }).port}`;
    const create = (url: string) =>
      fetch(`${base}/v1/subscriptions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': API_KEY }, body: JSON.stringify({ url }) });
    const cases: [url: string, rule: string][] = [
      ['http://127.0.0.1:8123/?query=SELECT%201', 'loopback'],
      ['http://[::1]:8123/', 'loopback'],
      ['http://localhost:8083/v1/subscriptions', 'loopback'],
      ['http://loop.test:8123/', 'loopback'],
      ['http://10.0.0.1/hook', 'private'],
      ['http://169.254.169.254/latest/meta-data/iam/', 'link-local'],
      ['http://meta.test/latest/meta-data/', 'link-local'],
      ['http://[fd00::1]/hook', 'unique-local'],
    ];
    for (const [url, rule] of cases) {
      const res = await create(url);
      const body = (await res.json()) as { code: string; field: string; message: string };
      expect(res.status, url).toBe(400);
      expect(body, url).toMatchObject({ code: 'DESTINATION_REFUSED', field: 'url' });
      expect(body.message, url).toContain(`a ${rule} address`);
    }
    expect(dns.aQueries('loop.test')).toBe(1);
    expect(w.notifier.store.size).toBe(0);
    // The allowlisted receiver address is accepted, by address and by name.
    expect((await create('http://127.0.0.2:9/hook')).status).toBe(201);
    expect((await create('http://fine.test:9/hook')).status).toBe(201);
  });

  it('checks every delivery again: a name that now resolves to loopback is refused and dead-lettered, the checked address is the one connected to, a redirect to loopback is not followed', async () => {
    // rebind.test: allowed when subscribed, loopback at delivery. pin.test: allowed for the first
    // two lookups (subscription, delivery check), loopback for any lookup after that.
    const dns = await dnsServer((name, n) => {
      if (name === 'rebind.test') return n === 0 ? ['127.0.0.2'] : ['127.0.0.1'];
      if (name === 'pin.test') return n <= 1 ? ['127.0.0.2'] : ['127.0.0.1'];
      return undefined;
    });
    const w = await world(ssrfEnv(dns));
    const plain = await allowedAndInside();
    const redirecting = await allowedAndInside(() => ({ status: 302, headers: { location: `http://127.0.0.1:${plain.inside.port}/inside` } }));
    const rebind = await w.subscribe({ url: `http://rebind.test:${plain.allowed.port}/hook` });
    const pin = await w.subscribe({ url: `http://pin.test:${plain.allowed.port}/hook` });
    const redirect = await w.subscribe({ url: redirecting.allowed.url });
    const dlq = await collect(w.notifier.topics.webhookDlq);

    const ev = incidentEvent({ incidentId: `inc-${w.prefix}` });
    await w.produce([ev]);
    await waitFor(() => dlq.values.length >= 2 && plain.allowed.delivered.length >= 1, 30_000, 'two dead letters and one delivery');
    const records = dlq.values.map((v) => JSON.parse(v) as DlqRecord);

    const refused = records.find((r) => r.id === `${rebind.id}:${ev.eventId}`)!;
    expect(refused.code).toBe('WEBHOOK_DESTINATION_REFUSED');
    expect(refused.reason).toContain('destination refused by the notifier (rule: loopback)');
    expect(refused.reason).toContain('rebind.test resolves to 127.0.0.1, a loopback address (127.0.0.0/8)');
    expect(JSON.parse(refused.payload)).toEqual(ev);

    // pin.test: delivered to 127.0.0.2 after exactly two lookups; no third lookup sent it inside.
    expect(plain.allowed.delivered).toHaveLength(1);
    expect(plain.allowed.delivered[0]!.headers['x-downradar-subscription-id']).toBe(pin.id);
    expect(dns.aQueries('pin.test')).toBe(2);

    const redirected = records.find((r) => r.id === `${redirect.id}:${ev.eventId}`)!;
    expect(redirected.code).toBe('WEBHOOK_HTTP_302');
    expect(redirected.reason).toContain('redirects are not followed');
    expect(redirecting.allowed.requests).toHaveLength(1);

    await new Promise((r) => setTimeout(r, 500));
    expect(plain.inside.requests).toHaveLength(0);
    expect(redirecting.inside.requests).toHaveLength(0);
  });

  it('refuses at delivery an address that is no longer allowed (subscriptions file, allowlist changed)', async () => {
    const dns = await dnsServer(() => undefined);
    const w = await world(ssrfEnv(dns));
    const { allowed } = await allowedAndInside();
    const sub = await w.subscribe({ url: allowed.url });
    // The operator takes 127.0.0.2 off the list; the subscription stays in the file.
    await w.restart({ DOWNRADAR_WEBHOOK_ALLOW: '' });
    const dlq = await collect(w.notifier.topics.webhookDlq);
    const ev = incidentEvent({ incidentId: `inc-${w.prefix}` });
    await w.produce([ev]);
    await waitFor(() => dlq.values.length >= 1, 30_000, 'a dead letter');
    const record = JSON.parse(dlq.values[0]!) as DlqRecord;
    expect(record).toMatchObject({ id: `${sub.id}:${ev.eventId}`, code: 'WEBHOOK_DESTINATION_REFUSED' });
    expect(record.reason).toContain('127.0.0.2, a loopback address');
    expect(allowed.requests).toHaveLength(0);
  });
});
