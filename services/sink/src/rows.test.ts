import { describe, expect, it } from 'vitest';
import type { IncidentEvent, PostEvent, ReportEvent, ScoreEvent, SignalEvent, TrendEvent } from '../../../schemas/events/index';
import { LAYOUTS, TABLES, mapBatch, mapMessage, toSeconds, topicKeyOf, type MessageOrigin, type Row, type Table } from './rows';
import { signalMessages, topicNames } from '@downradar/common';

const NOW = Date.UTC(2021, 9, 4, 16, 0, 0);
const origin = (topicKey: MessageOrigin['topicKey'], offset = '7'): MessageOrigin => ({
  topicKey,
  topic: `downradar.${topicKey}`,
  partition: 2,
  offset,
});
const at = Date.UTC(2021, 9, 4, 15, 41, 12) + 345; // 15:41:12.345

const report: ReportEvent = {
  id: 'r-1',
  serviceId: 'facebook',
  problem: 'login',
  country: 'US',
  at,
  receivedAt: at + 1000,
  reporterHash: 'abc123',
  source: 'web',
};

describe('mapMessage', () => {
  it('maps a report, flooring ms to seconds and keeping the ms', () => {
    const r = mapMessage(origin('reports'), JSON.stringify(report), NOW);
    expect(r).toEqual({
      kind: 'row',
      table: 'reports',
      row: {
        id: 'r-1',
        service_id: 'facebook',
        at: Math.floor(at / 1000),
        at_ms: at,
        received_at: Math.floor((at + 1000) / 1000),
        problem: 'login',
        source: 'web',
        country: 'US',
        reporter_hash: 'abc123',
        text: '',
      },
    });
  });

  it('maps optional fields to empty strings', () => {
    const { country: _c, ...noCountry } = report;
    const r = mapMessage(origin('reports'), Buffer.from(JSON.stringify({ ...noCountry, text: 'cannot log in' })), NOW);
    expect(r.kind === 'row' && r.row).toMatchObject({ country: '', text: 'cannot log in' });
  });

  it('maps a post', () => {
    const post: PostEvent = { id: 'p-1', at, receivedAt: at, text: 'is facebook down?? #facebookdown', source: 'twitter', authorHash: 'h', replyTo: 'p-0' };
    const r = mapMessage(origin('posts'), JSON.stringify(post), NOW);
    expect(r).toEqual({
      kind: 'row',
      table: 'posts',
      row: {
        id: 'p-1',
        at: Math.floor(at / 1000),
        at_ms: at,
        received_at: Math.floor(at / 1000),
        source: 'twitter',
        lang: '',
        detected_lang: '',
        country: '',
        author_hash: 'h',
        reply_to: 'p-0',
        repost_of: '',
        text: 'is facebook down?? #facebookdown',
      },
    });
  });

  it('maps the declared and the detected language of a post', () => {
    const post: PostEvent = { id: 'p-2', at, receivedAt: at, text: 'o zap caiu de novo', source: 'mastodon', authorHash: 'h', lang: 'en', detectedLang: 'pt' };
    const r = mapMessage(origin('posts'), JSON.stringify(post), NOW);
    expect(r.kind === 'row' && r.row).toMatchObject({ lang: 'en', detected_lang: 'pt' });
    const bad = mapMessage(origin('posts'), JSON.stringify({ ...post, detectedLang: 'Portuguese!' }), NOW);
    expect(bad.kind).toBe('dlq');
  });

  it('maps a signal with booleans as 0/1 and arrays kept', () => {
    const signal: SignalEvent = {
      id: 'p-1:facebook',
      sourceId: 'p-1',
      serviceId: 'facebook',
      kind: 'hashtag',
      at,
      receivedAt: at,
      outage: true,
      problem: 'other',
      confidence: 0.75,
      hashtags: ['facebookdown'],
    };
    const r = mapMessage(origin('signals'), JSON.stringify(signal), NOW);
    expect(r.kind === 'row' && r.row).toEqual({
      id: 'p-1:facebook',
      source_id: 'p-1',
      service_id: 'facebook',
      kind: 'hashtag',
      at: Math.floor(at / 1000),
      at_ms: at,
      received_at: Math.floor(at / 1000),
      outage: 1,
      problem: 'other',
      confidence: 0.75,
      country: '',
      reporter_hash: '',
      hashtags: ['facebookdown'],
      evidence: [],
    });
  });

  it('maps a score with its evidence as parallel arrays', () => {
    const score: ScoreEvent = {
      serviceId: 'whatsapp',
      windowStart: Date.UTC(2021, 9, 4, 15, 41),
      windowEnd: Date.UTC(2021, 9, 4, 15, 42),
      count: 120,
      rawCount: 130,
      expected: 3.5,
      upper: 9,
      score: 0.99,
      level: 'danger',
      evidence: {
        problems: [{ key: 'messaging', count: 80 }, { key: 'app', count: 40 }],
        countries: [{ key: 'BR', count: 70 }],
        hashtags: [],
        samplePostIds: ['p-9'],
      },
      computedAt: Date.UTC(2021, 9, 4, 15, 42, 5),
    };
    const r = mapMessage(origin('scores'), JSON.stringify(score), NOW);
    expect(r.kind === 'row' && r.row).toMatchObject({
      service_id: 'whatsapp',
      window_start: Date.UTC(2021, 9, 4, 15, 41) / 1000,
      window_end: Date.UTC(2021, 9, 4, 15, 42) / 1000,
      level: 'danger',
      evidence_problems: ['messaging', 'app'],
      evidence_problem_counts: [80, 40],
      evidence_countries: ['BR'],
      evidence_country_counts: [70],
      evidence_hashtags: [],
      evidence_hashtag_counts: [],
      sample_post_ids: ['p-9'],
      computed_at_ms: Date.UTC(2021, 9, 4, 15, 42, 5),
    });
  });

  it('maps an incident event: services as parallel arrays, absent times as 0, resolvedAt null when open', () => {
    const e: IncidentEvent = {
      eventId: 'inc-1:1',
      incidentId: 'inc-1',
      seq: 1,
      type: 'opened',
      at: Date.UTC(2021, 9, 4, 15, 43),
      emittedAt: Date.UTC(2021, 9, 4, 15, 43, 2),
      level: 'warning',
      startedAt: Date.UTC(2021, 9, 4, 15, 41),
      family: 'meta',
      services: [
        { serviceId: 'facebook', role: 'primary', level: 'warning', firstWarningAt: Date.UTC(2021, 9, 4, 15, 41), peakScore: 0.97, peakCount: 300 },
        { serviceId: 'telegram', role: 'collateral', level: 'ok', peakScore: 0.5, peakCount: 12 },
      ],
      summary: 'facebook, instagram down',
    };
    const r = mapMessage(origin('alerts'), JSON.stringify(e), NOW);
    expect(r.kind).toBe('row');
    if (r.kind !== 'row') return;
    expect(r.table).toBe('incident_events');
    expect(r.row).toMatchObject({
      event_id: 'inc-1:1',
      incident_id: 'inc-1',
      seq: 1,
      resolved_at: null,
      family: 'meta',
      provider: '',
      service_ids: ['facebook', 'telegram'],
      service_roles: ['primary', 'collateral'],
      service_levels: ['warning', 'ok'],
      service_first_warning_at: [Date.UTC(2021, 9, 4, 15, 41) / 1000, 0],
      service_first_danger_at: [0, 0],
      service_peak_scores: [0.97, 0.5],
      service_peak_counts: [300, 12],
    });
    expect(JSON.parse((r.row as { services_json: string }).services_json)).toEqual(e.services);
  });

  it('maps a trend, outage null when unknown', () => {
    const t: TrendEvent = { hashtag: 'facebookdown', windowStart: at, windowEnd: at + 60_000, count: 50, expected: 1, burst: 0.9, trending: true };
    const r = mapMessage(origin('trends'), JSON.stringify(t), NOW);
    expect(r.kind === 'row' && r.row).toMatchObject({ hashtag: 'facebookdown', trending: 1, service_id: '', outage: null });
  });

  it('sends a message that is not JSON to the dlq, with a stable id and the payload', () => {
    const r = mapMessage(origin('reports', '42'), 'not json{', NOW);
    expect(r).toEqual({
      kind: 'dlq',
      publish: true,
      record: {
        id: 'sink:downradar.reports:2:42',
        at: NOW,
        origin: 'downradar.reports (sink)',
        code: 'NOT_JSON',
        reason: expect.stringMatching(/^reports: not JSON/),
        payload: 'not json{',
      },
    });
  });

  it('sends an invalid message to the dlq naming the field', () => {
    const r = mapMessage(origin('reports'), JSON.stringify({ ...report, serviceId: 'Not A Slug' }), NOW);
    expect(r.kind).toBe('dlq');
    if (r.kind !== 'dlq') return;
    expect(r.record.code).toBe('INVALID_MESSAGE');
    expect(r.record.reason).toMatch(/^reports: serviceId /);
  });

  it('sends an empty message to the dlq', () => {
    const r = mapMessage(origin('posts'), null, NOW);
    expect(r.kind === 'dlq' && r.record.code).toBe('EMPTY_MESSAGE');
  });

  it('sends a time beyond DateTime (year 2106) to the dlq as OUT_OF_RANGE', () => {
    const r = mapMessage(origin('reports'), JSON.stringify({ ...report, at: 5_000_000_000_000 }), NOW);
    expect(r.kind === 'dlq' && r.record).toMatchObject({ code: 'OUT_OF_RANGE', reason: expect.stringContaining('at 5000000000000') });
  });

  it('stores a valid DlqRecord from the dlq topic as a row, and an unreadable one without republishing', () => {
    const rec = { id: 'ingest:1', at: NOW, origin: 'POST /v1/reports', code: 'LATE', reason: 'too old', payload: '{}' };
    expect(mapMessage(origin('dlq'), JSON.stringify(rec), NOW)).toEqual({
      kind: 'row',
      table: 'dlq',
      row: { id: 'ingest:1', at: NOW / 1000, at_ms: NOW, origin: 'POST /v1/reports', code: 'LATE', reason: 'too old', payload: '{}' },
    });
    const bad = mapMessage(origin('webhookDlq'), '{"x":1}', NOW);
    expect(bad).toMatchObject({ kind: 'dlq', publish: false, record: { code: 'UNREADABLE_DLQ_RECORD' } });
  });

  it('truncates a huge payload to 64 KiB', () => {
    const r = mapMessage(origin('posts'), 'x'.repeat(100_000), NOW);
    expect(r.kind === 'dlq' && r.record.payload.length).toBe(65_536);
  });
});

describe('mapBatch', () => {
  it('groups rows by table and collects dead letters', () => {
    const b = mapBatch({ topicKey: 'reports', topic: 'downradar.reports', partition: 0 }, [
      { offset: '0', value: Buffer.from(JSON.stringify(report)) },
      { offset: '1', value: Buffer.from('{') },
      { offset: '2', value: Buffer.from(JSON.stringify({ ...report, id: 'r-2' })) },
    ], NOW);
    expect(b.rows.get('reports')?.map((r) => (r as { id: string }).id)).toEqual(['r-1', 'r-2']);
    expect(b.deadLetters.map((d) => d.id)).toEqual(['sink:downradar.reports:0:1']);
    expect(b.publish).toEqual(b.deadLetters);
  });
});

describe('mapBatch on signals', () => {
  const signal = (id: string, over: Partial<SignalEvent> = {}): SignalEvent => ({
    id, sourceId: id, serviceId: 'facebook', kind: 'report', at, receivedAt: at, outage: true, problem: 'login', confidence: 1, hashtags: [], ...over,
  });
  const o = { topicKey: 'signals', topic: 'downradar.signals', partition: 1 } as const;

  it('stores every signal of a batch message, and a single signal as before', () => {
    const b = mapBatch(o, [
      { offset: '5', value: Buffer.from(JSON.stringify([signal('a'), signal('b'), signal('c')])) },
      { offset: '6', value: Buffer.from(JSON.stringify(signal('d'))) },
    ], NOW);
    expect(b.rows.get('signals')?.map((r) => (r as { id: string }).id)).toEqual(['a', 'b', 'c', 'd']);
    expect(b.deadLetters).toEqual([]);
  });

  it('dead-letters a bad element alone, named by the message position and its index, with the element as payload', () => {
    const bad = { ...signal('b'), confidence: 7 };
    const b = mapBatch(o, [{ offset: '9', value: Buffer.from(JSON.stringify([signal('a'), bad, signal('c', { serviceId: 'instagram' })])) }], NOW);
    expect(b.rows.get('signals')?.map((r) => (r as { id: string }).id)).toEqual(['a']);
    expect(b.deadLetters.map((d) => [d.id, d.code])).toEqual([
      ['sink:downradar.signals:1:9.1', 'INVALID_MESSAGE'],
      ['sink:downradar.signals:1:9.2', 'INVALID_MESSAGE'],
    ]);
    expect(JSON.parse(b.deadLetters[0]!.payload)).toEqual(bad);
    expect(b.deadLetters[0]!.reason).toMatch(/\[1\]\.confidence/);
    expect(b.deadLetters[1]!.reason).toMatch(/serviceId is not facebook/);
    expect(b.publish).toEqual(b.deadLetters);
  });

  it('dead-letters an element whose time is beyond DateTime as OUT_OF_RANGE, named by its index, with its JSON as payload', () => {
    const late = signal('b', { at: 5_000_000_000_000 });
    const value = signalMessages('downradar.signals', [signal('a'), late, signal('c')])[0]!.value as Buffer;
    for (const v of [value, Buffer.from(JSON.stringify([signal('a'), late, signal('c')]))]) {
      const b = mapBatch(o, [{ offset: '4', value: v }], NOW);
      expect(b.rows.get('signals')?.map((r) => (r as { id: string }).id)).toEqual(['a', 'c']);
      expect(b.deadLetters.map((d) => [d.id, d.code])).toEqual([['sink:downradar.signals:1:4.1', 'OUT_OF_RANGE']]);
      expect(JSON.parse(b.deadLetters[0]!.payload)).toEqual(late);
      expect(b.deadLetters[0]!.reason).toMatch(/at 5000000000000/);
      expect(b.publish).toEqual(b.deadLetters);
    }
  });

  it('stores the signals of a binary message as those of the same JSON batch; a binary message that does not decode is one dead letter', () => {
    const value = signalMessages('downradar.signals', [signal('a'), signal('b', { country: 'DE' })])[0]!.value as Buffer;
    const binary = mapBatch(o, [{ offset: '5', value }], NOW);
    const json = mapBatch(o, [{ offset: '5', value: Buffer.from(JSON.stringify([signal('a'), signal('b', { country: 'DE' })])) }], NOW);
    expect(binary.rows.get('signals')).toEqual(json.rows.get('signals'));
    expect(binary.rows.get('signals')).toHaveLength(2);
    const cut = value.subarray(0, value.length - 3);
    const bad = mapBatch(o, [{ offset: '7', value: cut }], NOW);
    expect(bad.rows.size).toBe(0);
    expect(bad.deadLetters.map((d) => [d.id, d.code, d.payload])).toEqual([['sink:downradar.signals:1:7', 'INVALID_MESSAGE', `base64:${cut.toString('base64')}`]]);
    expect(bad.deadLetters[0]!.reason).toMatch(/not a valid binary SignalBatch/);
  });

  it('dead-letters an empty batch and a message that is not JSON as one record each', () => {
    const b = mapBatch(o, [
      { offset: '1', value: Buffer.from('[]') },
      { offset: '2', value: Buffer.from('[{') },
    ], NOW);
    expect(b.rows.size).toBe(0);
    expect(b.deadLetters.map((d) => [d.id, d.code])).toEqual([
      ['sink:downradar.signals:1:1', 'INVALID_MESSAGE'],
      ['sink:downradar.signals:1:2', 'NOT_JSON'],
    ]);
  });
});

describe('LAYOUTS', () => {
  // One valid message per table: the layout must name exactly the keys its row function makes.
  const examples: Record<Table, [MessageOrigin['topicKey'], unknown]> = {
    reports: ['reports', { ...report, text: 'x' }],
    posts: ['posts', { id: 'p', at, receivedAt: at, text: 't', source: 'twitter', authorHash: 'h' }],
    signals: ['signals', { id: 's', sourceId: 's', serviceId: 'facebook', kind: 'report', at, receivedAt: at, outage: true, problem: 'login', confidence: 1, hashtags: [] }],
    scores: ['scores', { serviceId: 'facebook', windowStart: at, windowEnd: at + 60_000, count: 1, rawCount: 1, expected: 1, upper: 2, score: 0.5, level: 'ok', evidence: { problems: [], countries: [], hashtags: [], samplePostIds: [] }, computedAt: at }],
    incident_events: ['alerts', { eventId: 'i:1', incidentId: 'i', seq: 1, type: 'opened', at, emittedAt: at, level: 'warning', startedAt: at, services: [{ serviceId: 'facebook', role: 'primary', level: 'warning', peakScore: 0.9, peakCount: 3 }], summary: 's' }],
    trends: ['trends', { hashtag: 'x', windowStart: at, windowEnd: at + 60_000, count: 1, expected: 1, burst: 0.1, trending: false }],
    official_status: ['status', { id: 'github:page:abc', serviceId: 'github', source: 'statuspage', kind: 'page', status: 'major_outage', providerStatus: 'critical', at, observedAt: at, title: 't', url: 'https://www.githubstatus.com' }],
    probe_results: ['probes', { id: 'facebook:https:facebook.com:1', serviceId: 'facebook', kind: 'https', target: 'facebook.com', at, ok: true, outcome: 'ok', latencyMs: 80, dnsMs: 5, connectMs: 10, tlsMs: 30, firstByteMs: 35, httpStatus: 200, address: '157.240.1.35', vantage: 'here' }],
    dlq: ['dlq', { id: 'd', at, origin: 'o', code: 'X_Y', reason: 'r', payload: 'p' }],
  };
  for (const table of TABLES) {
    it(`${table}: the layout names exactly the row's columns`, () => {
      const [topicKey, value] = examples[table];
      const r = mapMessage(origin(topicKey), JSON.stringify(value), NOW);
      expect(r.kind).toBe('row');
      const row = (r as { row: Row }).row;
      expect(LAYOUTS[table].map(([c]) => c).sort()).toEqual(Object.keys(row).sort());
    });
  }
});

describe('helpers', () => {
  it('toSeconds floors and refuses what DateTime cannot hold', () => {
    expect(toSeconds(1999, 'at')).toBe(1);
    expect(() => toSeconds(-1, 'at')).toThrow(/outside/);
    expect(() => toSeconds(4_294_967_296_000, 'at')).toThrow(/outside/);
  });
  it('topicKeyOf finds the key of a prefixed topic', () => {
    const names = topicNames('t-x');
    expect(topicKeyOf(names, 't-x.alerts')).toBe('alerts');
    expect(topicKeyOf(names, 't-x.webhooks-dlq')).toBe('webhookDlq');
    expect(topicKeyOf(names, 't-x.detector-state')).toBeUndefined();
  });
});

describe('official status and probe rows', () => {
  it('maps an official status event, optional fields as empty strings', () => {
    const e = { id: 'github:page:abc', serviceId: 'github', source: 'statuspage', kind: 'page', status: 'major_outage', providerStatus: 'critical', at: 1633362000500, observedAt: 1633362030000, title: 'overall: major_outage', url: 'https://www.githubstatus.com' };
    const r = mapMessage(origin('status'), JSON.stringify(e), NOW);
    expect(r).toEqual({
      kind: 'row',
      table: 'official_status',
      row: {
        id: e.id, service_id: 'github', source: 'statuspage', kind: 'page', status: 'major_outage', provider_status: 'critical', at: 1633362000, at_ms: 1633362000500,
        observed_at: 1633362030, observed_at_ms: 1633362030000, incident_id: '', incident_status: '', component_id: '', component_name: '', title: e.title, body: '', url: e.url,
      },
    });
    const bad = mapMessage(origin('status'), JSON.stringify({ ...e, status: 'down' }), NOW);
    expect(bad).toMatchObject({ kind: 'dlq', record: { code: 'INVALID_MESSAGE', reason: expect.stringContaining('status') } });
  });

  it('maps a probe result, the phases it did not reach as NULL', () => {
    const e = { id: 'facebook:dns:facebook.com:1', serviceId: 'facebook', kind: 'dns', target: 'facebook.com', at: 1633362000000, ok: false, outcome: 'servfail', latencyMs: 12.5, dnsMs: 12.5, error: 'ESERVFAIL', vantage: 'here' };
    const r = mapMessage(origin('probes'), JSON.stringify(e), NOW);
    expect(r).toMatchObject({ kind: 'row', table: 'probe_results', row: { ok: 0, outcome: 'servfail', dns_ms: 12.5, connect_ms: null, tls_ms: null, first_byte_ms: null, http_status: 0, address: '', error: 'ESERVFAIL' } });
  });
});
