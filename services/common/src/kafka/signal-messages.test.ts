import { describe, expect, it } from 'vitest';
import type { SignalEvent } from '../../../../schemas/events/index';
import { readSignalMessage, signalMessages, slicedSignalMessages, SignalSlicer } from './signal-messages';
import { encodeSignalBatch, encodeSignalRecord, NotEncodable, signalBatchOfRecords, signalOfRecord } from './signal-codec';
import type { OutMessage } from './producer';

const T = Date.UTC(2021, 9, 4, 15, 41);
const signal = (id: string, serviceId = 'facebook', over: Partial<SignalEvent> = {}): SignalEvent => ({
  id, sourceId: id, serviceId, kind: 'report', at: T, receivedAt: T, outage: true, problem: 'login', confidence: 1, hashtags: [], ...over,
});

/** The signals of a message, whatever its form (throws when it is not readable). */
const signalsOf = (value: string | Buffer): SignalEvent[] => {
  const r = readSignalMessage(value);
  if (!r.ok) throw new Error(`${r.field} ${r.reason}`);
  return r.items.map((i) => {
    if (!i.ok) throw new Error(`${i.field} ${i.reason}`);
    return i.value;
  });
};

describe('signalMessages', () => {
  it('writes the binary form (0x00, version 1), keyed by the service, and reads back exactly the signals', () => {
    const full = signal('a', 'facebook', { country: 'DE', reporterHash: 'f'.repeat(64), hashtags: ['facebookdown', 'ünïcode'], evidence: ['login'], officialStatus: 'major_outage', kind: 'official', confidence: 0.25 });
    const out = signalMessages('t', [full]);
    expect(out).toHaveLength(1);
    expect(out[0]!.key).toBe('facebook');
    const value = out[0]!.value as Buffer;
    expect([value[0], value[1]]).toEqual([0x00, 0x01]);
    expect(value.length).toBeLessThan(JSON.stringify(full).length);
    expect(signalsOf(value)).toEqual([full]); // optional fields present
    expect(signalsOf(signalMessages('t', [signal('b')])[0]!.value)).toEqual([signal('b')]); // absent ones stay absent (not null)
  });

  it('puts the signals of each service in one message keyed by that service, in order of first appearance', () => {
    const out = signalMessages('t', [signal('a'), signal('b', 'whatsapp'), signal('c'), signal('d', 'telegram')]);
    expect(out.map((m) => [m.key, signalsOf(m.value)])).toEqual([
      ['facebook', [signal('a'), signal('c')]],
      ['whatsapp', [signal('b', 'whatsapp')]],
      ['telegram', [signal('d', 'telegram')]],
    ]);
  });

  it('splits a service whose signals exceed the size bound into several messages, losing none', () => {
    const many = Array.from({ length: 100 }, (_, i) => signal(`s-${i}`));
    const size = signalMessages('t', [many[0]!])[0]!.value.length;
    const out = signalMessages('t', many, size * 10);
    expect(out.length).toBeGreaterThan(9);
    for (const m of out) expect(m.value.length).toBeLessThanOrEqual(size * 10);
    expect(out.flatMap((m) => signalsOf(m.value).map((s) => s.id))).toEqual(many.map((s) => s.id));
  });

  it('writes JSON for a service with a signal the binary form cannot carry, so the reader dead-letters it with the schema reason', () => {
    const bad = { ...signal('b'), kind: 'tweet' } as unknown as SignalEvent;
    const extra = { ...signal('x', 'whatsapp'), note: 'not a field' } as unknown as SignalEvent;
    const out = signalMessages('t', [signal('a'), bad, extra, signal('c', 'telegram')]);
    expect(typeof out[0]!.value).toBe('string'); // facebook: JSON (one bad element)
    expect(typeof out[1]!.value).toBe('string'); // whatsapp: JSON (a field the schema lacks)
    expect(Buffer.isBuffer(out[2]!.value)).toBe(true); // telegram: binary
    const r = readSignalMessage(out[0]!.value);
    expect(r.ok && r.items.map((i) => i.ok)).toEqual([true, false]);
    expect(r.ok && r.items[1]).toMatchObject({ ok: false, field: 'kind' });
    expect(readSignalMessage(out[1]!.value)).toMatchObject({ ok: true, items: [{ ok: false }] });
  });
});

describe('binary signal messages', () => {
  const good = () => signalMessages('t', [signal('a'), signal('b')])[0]!.value as Buffer;

  it('decodes to the same result as the JSON batch of the same signals (old JSON messages read as before)', () => {
    const json = readSignalMessage(JSON.stringify([signal('a'), signal('b')]));
    const binary = readSignalMessage(good());
    expect(binary).toEqual(json);
  });

  it('refuses a truncated, extended or corrupt message as a whole, with the reason, never throwing', () => {
    const v = good();
    for (let cut = 2; cut < v.length; cut++) {
      const r = readSignalMessage(v.subarray(0, cut));
      expect(r).toMatchObject({ ok: false, field: '(message)' });
    }
    expect(readSignalMessage(Buffer.concat([v, Buffer.from([0])]))).toMatchObject({ ok: false, reason: expect.stringMatching(/1 bytes after the last signal/) });
    expect(readSignalMessage(Buffer.from([0x00, 0x02, 0x00]))).toMatchObject({ ok: false, reason: expect.stringMatching(/version 2 is unknown/) });
    expect(readSignalMessage(Buffer.from([0x00, 0x01, 0x00]))).toMatchObject({ ok: false, reason: expect.stringMatching(/empty batch/) });
    // A count far larger than the bytes left: refused before anything is allocated.
    expect(readSignalMessage(Buffer.from([0x00, 0x01, 0xfe, 0xff, 0xff, 0xff, 0x0f]))).toMatchObject({ ok: false, reason: expect.stringMatching(/block of \d+ items/) });
    // Every byte flipped in turn: a dead letter or signals that passed the schema check, never an exception.
    for (let i = 2; i < v.length; i++) {
      const c = Buffer.from(v);
      c[i] = c[i]! ^ 0xff;
      const r = readSignalMessage(c);
      if (r.ok) for (const item of r.items) if (item.ok) expect(item.value.serviceId).toBe('facebook');
    }
  });

  it('checks decoded values against the schema like JSON ones: out of range is a dead letter of that element', () => {
    // Encodable (right types) but outside the schema's ranges: the check after decoding refuses them.
    const out = signalMessages('t', [signal('a', 'facebook', { confidence: 1.5 }), signal('b', 'facebook', { at: -1 }), signal('c', 'facebook', { country: 'de' }), signal('d')]);
    expect(Buffer.isBuffer(out[0]!.value)).toBe(true);
    const r = readSignalMessage(out[0]!.value);
    expect(r.ok && r.batch).toBe(true);
    if (!r.ok) return;
    expect(r.items.map((i) => (i.ok ? 'ok' : i.field))).toEqual(['confidence', 'at', 'country', 'ok']);
  });

  it('refuses a binary batch that mixes services, element by element', () => {
    // Encoded through the codec directly: signalMessages never writes one.
    const r = readSignalMessage(encodeSignalBatch([signal('a'), signal('b', 'instagram')]));
    expect(r.ok && r.items[1]).toMatchObject({ ok: false, field: 'serviceId', reason: expect.stringMatching(/is not facebook/) });
  });
});

describe('readSignalMessage', () => {
  it('reads a single signal and a batch the same way', () => {
    expect(readSignalMessage(JSON.stringify(signal('a')))).toEqual({ ok: true, batch: false, items: [{ ok: true, value: signal('a') }], raw: [signal('a')] });
    const r = readSignalMessage(Buffer.from(JSON.stringify([signal('a'), signal('b')])));
    expect(r.ok && r.batch && r.items.map((i) => i.ok && i.value.id)).toEqual(['a', 'b']);
  });

  it('names the bad element of a batch and keeps the others', () => {
    const r = readSignalMessage(JSON.stringify([signal('a'), { ...signal('b'), kind: 'tweet' }, signal('c')]));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.items.map((i) => i.ok)).toEqual([true, false, true]);
    expect(r.items[1]).toMatchObject({ ok: false, field: 'kind' });
  });

  it('refuses an element of another service than the batch', () => {
    const r = readSignalMessage(JSON.stringify([signal('a'), signal('b', 'instagram')]));
    expect(r.ok && r.items[1]).toMatchObject({ ok: false, field: 'serviceId', reason: expect.stringMatching(/is not facebook/) });
  });

  it('refuses what is not a signal message as a whole', () => {
    expect(readSignalMessage(null)).toMatchObject({ ok: false, reason: 'empty message value' });
    expect(readSignalMessage('{')).toMatchObject({ ok: false, field: '(message)', reason: expect.stringMatching(/^not JSON/) });
    expect(readSignalMessage('[]')).toMatchObject({ ok: false, reason: expect.stringMatching(/empty batch/) });
    expect(readSignalMessage('7')).toMatchObject({ ok: true, batch: false, items: [{ ok: false }] });
  });
});

describe('SignalSlicer', () => {
  const sig = (serviceId: string, at: number) => ({ serviceId, json: JSON.stringify({ serviceId, at }) });
  it('ends a slice when a signal lies more than the span from its earliest or latest signal, one message per service', () => {
    const slicer = new SignalSlicer('t.signals', 5000);
    const out: OutMessage[] = [];
    for (const at of [10_000, 12_000, 14_000]) slicer.add(sig(at === 12_000 ? 'b' : 'a', at), at, out);
    expect(out).toEqual([]); // within 5 s of each other: still open
    slicer.add(sig('a', 8_000), 8_000, out); // 6 s before the latest: the open slice ends first
    expect(out.map((m) => [m.key, JSON.parse(String(m.value)).length ?? 1])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    slicer.flush(out);
    expect(out.map((m) => m.key)).toEqual(['a', 'b', 'a']);
    slicer.flush(out); // nothing open: nothing written
    expect(out).toHaveLength(3);
  });

  it('writes the binary form for signals given as objects, JSON for signals given as text', () => {
    const slicer = new SignalSlicer('t.signals', 5000);
    const out: OutMessage[] = [];
    slicer.add({ serviceId: 'facebook', signal: signal('a') }, T, out);
    slicer.add({ serviceId: 'facebook', signal: signal('b') }, T, out);
    slicer.add({ serviceId: 'whatsapp', json: JSON.stringify(signal('c', 'whatsapp')) }, T, out);
    slicer.flush(out);
    expect(out.map((m) => [m.key, Buffer.isBuffer(m.value)])).toEqual([
      ['facebook', true],
      ['whatsapp', false],
    ]);
    expect(signalsOf(out[0]!.value)).toEqual([signal('a'), signal('b')]);
    expect(signalsOf(out[1]!.value)).toEqual([signal('c', 'whatsapp')]);
  });
});

describe('signals given as records (encoded when they were made)', () => {
  const drawn = (n: number, seed: number): SignalEvent[] => {
    let x = seed;
    const rand = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const services = ['facebook', 'whatsapp', 'telegram'];
    return Array.from({ length: n }, (_, i) => {
      const s = signal(`s-${seed}-${i}`, services[Math.floor(rand() * 3)]!, { at: T + Math.floor(rand() * 9000), confidence: Math.round(rand() * 100) / 100 });
      if (rand() < 0.5) s.country = 'US';
      if (rand() < 0.7) s.reporterHash = 'ab'.repeat(16);
      if (rand() < 0.3) s.hashtags = ['facebookdown', 'ünïcode'];
      if (rand() < 0.8) s.evidence = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, k) => `report button: login ${'x'.repeat(Math.floor(rand() * 400))}${k}`);
      if (rand() < 0.1) s.officialStatus = 'major_outage';
      return s;
    });
  };
  const asRecords = (signals: SignalEvent[]) => signals.map((s) => ({ serviceId: s.serviceId, record: encodeSignalRecord(s) }));
  const asObjects = (signals: SignalEvent[]) => signals.map((s) => ({ serviceId: s.serviceId, signal: s }));

  it('a batch of records is byte for byte the batch of the signals, for counts past one varint byte and records across chunks', () => {
    for (const n of [0, 1, 2, 63, 64, 65, 200, 1000]) {
      const signals = drawn(n, n + 1);
      const records = signals.map((s) => encodeSignalRecord(s));
      expect(signalBatchOfRecords(records).equals(encodeSignalBatch(signals)), `n=${n}`).toBe(true);
    }
  });

  it('a record longer than a chunk has left is whole, and so are the records before it', () => {
    const before = drawn(120, 7).map((s) => ({ s, r: encodeSignalRecord(s) }));
    const long = signal('long', 'facebook', { evidence: Array.from({ length: 20 }, (_, k) => `${'é'.repeat(300)} ${k}`) });
    const r = encodeSignalRecord(long);
    const after = drawn(50, 8).map((s) => ({ s, r: encodeSignalRecord(s) }));
    for (const { s, r: rec } of [...before, { s: long, r }, ...after]) expect(signalBatchOfRecords([rec]).equals(encodeSignalBatch([s]))).toBe(true);
    expect(signalOfRecord(r)).toEqual(long);
  });

  it('a signal the binary form cannot carry is refused and leaves the records around it whole', () => {
    const a = encodeSignalRecord(signal('a'));
    expect(() => encodeSignalRecord({ ...signal('b'), kind: 'tweet' } as unknown as SignalEvent)).toThrow(NotEncodable);
    const c = encodeSignalRecord(signal('c'));
    expect(signalBatchOfRecords([a, c]).equals(encodeSignalBatch([signal('a'), signal('c')]))).toBe(true);
  });

  it('slicedSignalMessages writes records as it writes the same signals given as objects, split the same way', () => {
    for (const max of [128 * 1024, 2000, 600]) {
      const signals = drawn(300, max);
      const fromRecords = slicedSignalMessages('t', asRecords(signals), max);
      const fromObjects = slicedSignalMessages('t', asObjects(signals), max);
      expect(fromRecords.length).toBe(fromObjects.length);
      fromRecords.forEach((m, i) => {
        expect(m.key).toBe(fromObjects[i]!.key);
        expect((m.value as Buffer).equals(fromObjects[i]!.value as Buffer)).toBe(true);
      });
    }
  });

  it('a service whose records are mixed with a signal the binary form cannot carry is written as JSON, as the objects would be', () => {
    const bad = { ...signal('bad'), kind: 'tweet' } as unknown as SignalEvent;
    const good = [signal('a', 'facebook', { country: 'US', evidence: ['report button: login'] }), signal('b', 'whatsapp')];
    const mixed = slicedSignalMessages('t', [...asRecords([good[0]!]), { serviceId: 'facebook', signal: bad }, ...asRecords([good[1]!])]);
    const objects = slicedSignalMessages('t', asObjects([good[0]!, bad, good[1]!]));
    // the same signals, the same forms (the JSON of a record decoded again has the schema's key order)
    expect(mixed.map((m) => [m.key, typeof m.value])).toEqual(objects.map((m) => [m.key, typeof m.value]));
    expect(typeof mixed[0]!.value).toBe('string');
    expect(JSON.parse(mixed[0]!.value as string)).toEqual(JSON.parse(objects[0]!.value as string));
    expect((mixed[1]!.value as Buffer).equals(objects[1]!.value as Buffer)).toBe(true);
  });
});
