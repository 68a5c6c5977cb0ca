import { describe, expect, it } from 'vitest';
import { SignalEvent } from '../../../../schemas/events/index';
import { compileValidator } from '../validate';
import { seededRandom } from '../seeded-random';
import { decodeCheckedSignalBatch, decodeSignalBatch, encodeSignalBatch, type CheckedSignal } from './signal-codec';

const T = Date.UTC(2021, 9, 4, 15, 41);
const signal = (id: string, over: Partial<SignalEvent> = {}): SignalEvent => ({
  id, sourceId: id, serviceId: 'facebook', kind: 'report', at: T, receivedAt: T, outage: true, problem: 'login', confidence: 1, hashtags: [], ...over,
});

const schemaCheck = compileValidator(SignalEvent);

/** The reference: decode, then the schema's validator on every signal (what the reader did before). */
function reference(value: Buffer): { signals: SignalEvent[]; items: CheckedSignal[] } {
  const decoded = decodeSignalBatch(value);
  if (!decoded.ok) throw new Error(decoded.reason);
  return { signals: decoded.signals, items: decoded.signals.map((s) => schemaCheck(s)) };
}

/** The one-pass decoder, counting how often it had to call the schema's validator. */
function checked(value: Buffer): { signals: SignalEvent[]; items: CheckedSignal[]; schemaCalls: number } {
  let schemaCalls = 0;
  const decoded = decodeCheckedSignalBatch(value, (v) => {
    schemaCalls++;
    return schemaCheck(v);
  });
  if (!decoded.ok) throw new Error(decoded.reason);
  return { signals: decoded.signals, items: decoded.items, schemaCalls };
}

const s = (n: number, ch = 'a') => ch.repeat(n);

/**
 * Values at and beyond every bound the schema sets on a SignalEvent field (patterns, lengths in
 * characters, ranges, item counts), with multi-byte characters where bytes and characters differ.
 */
const EDGES: [string, Partial<SignalEvent>][] = [
  ['valid', {}],
  ['id empty', { id: '' }],
  ['id 128', { id: s(128) }],
  ['id 129', { id: s(129) }],
  ['id every allowed byte', { id: 'AZaz09._:-' }],
  ['id space', { id: 'a b' }],
  ['id slash', { id: 'a/b' }],
  ['id non-ASCII', { id: 'é' }],
  ['sourceId 129', { sourceId: s(129) }],
  ['sourceId hash sign', { sourceId: '#x' }],
  ['serviceId one char', { serviceId: 'a' }],
  ['serviceId 63', { serviceId: s(63) }],
  ['serviceId 64', { serviceId: s(64) }],
  ['serviceId leading dash', { serviceId: '-a' }],
  ['serviceId leading digit', { serviceId: '9gag' }],
  ['serviceId upper case', { serviceId: 'Facebook' }],
  ['serviceId underscore', { serviceId: 'a_b' }],
  ['serviceId empty', { serviceId: '' }],
  ['at -1', { at: -1 }],
  ['at 0', { at: 0 }],
  ['at max', { at: 8_640_000_000_000_000 }],
  ['at max + 2^10', { at: 8_640_000_000_000_000 + 1024 }],
  ['receivedAt -5', { receivedAt: -5 }],
  ['receivedAt 2^53 - 1', { receivedAt: 2 ** 53 - 1 }],
  ['confidence 0', { confidence: 0 }],
  ['confidence -0', { confidence: -0 }],
  ['confidence just below 0', { confidence: -Number.MIN_VALUE }],
  ['confidence just above 1', { confidence: 1 + Number.EPSILON }],
  ['confidence NaN', { confidence: NaN }],
  ['confidence Infinity', { confidence: Infinity }],
  ['country DE', { country: 'DE' }],
  ['country de', { country: 'de' }],
  ['country D', { country: 'D' }],
  ['country DEU', { country: 'DEU' }],
  ['country empty', { country: '' }],
  ['country non-ASCII', { country: 'DÉ' }],
  ['reporterHash empty', { reporterHash: '' }],
  ['reporterHash 128', { reporterHash: s(128) }],
  ['reporterHash 129', { reporterHash: s(129) }],
  ['reporterHash 128 two-byte chars', { reporterHash: s(128, 'é') }],
  ['reporterHash 129 two-byte chars', { reporterHash: s(129, 'é') }],
  ['reporterHash astral', { reporterHash: s(64, '😀') }],
  ['hashtags 50', { hashtags: Array.from({ length: 50 }, (_, i) => `t${i}`) }],
  ['hashtags 51', { hashtags: Array.from({ length: 51 }, (_, i) => `t${i}`) }],
  ['hashtag 140', { hashtags: [s(140)] }],
  ['hashtag 141', { hashtags: ['ok', s(141)] }],
  ['hashtag 140 two-byte chars', { hashtags: [s(140, 'ü')] }],
  ['hashtag 141 two-byte chars', { hashtags: [s(141, 'ü')] }],
  ['hashtag empty', { hashtags: [''] }],
  ['evidence absent', { evidence: undefined }],
  ['evidence empty', { evidence: [] }],
  ['evidence 10', { evidence: Array.from({ length: 10 }, () => 'x') }],
  ['evidence 11', { evidence: Array.from({ length: 11 }, () => 'x') }],
  ['evidence 200', { evidence: [s(200)] }],
  ['evidence 201', { evidence: [s(201)] }],
  ['evidence 200 three-byte chars', { evidence: [s(200, '€')] }],
  ['officialStatus', { kind: 'official', officialStatus: 'major_outage' }],
  ['post signal', { kind: 'hashtag', outage: false, confidence: 0.4, country: 'US', reporterHash: 'h1', hashtags: ['down'], evidence: ['is down'] }],
];

describe('decodeCheckedSignalBatch', () => {
  it('gives every signal at and beyond each schema bound the verdict and reason of the schema check', () => {
    for (const [name, over] of EDGES) {
      const one = signal('x1', over);
      if (over.evidence === undefined && 'evidence' in over) delete one.evidence;
      const value = encodeSignalBatch([one]);
      const got = checked(value);
      const want = reference(value);
      expect({ name, items: got.items }).toEqual({ name, items: want.items });
      expect(got.signals).toEqual(want.signals);
    }
  });

  it('refuses every out-of-range value it is given (the edge list is not vacuous)', () => {
    const verdicts = EDGES.map(([name, over]) => [name, checked(encodeSignalBatch([signal('x1', over)])).items[0]!.ok]);
    expect(verdicts.filter(([, ok]) => !ok).map(([name]) => name)).toEqual([
      'id empty', 'id 129', 'id space', 'id slash', 'id non-ASCII', 'sourceId 129', 'sourceId hash sign',
      'serviceId 64', 'serviceId leading dash', 'serviceId upper case', 'serviceId underscore', 'serviceId empty',
      'at -1', 'at max + 2^10', 'receivedAt -5', 'receivedAt 2^53 - 1',
      'confidence just below 0', 'confidence just above 1', 'confidence NaN', 'confidence Infinity',
      'country de', 'country D', 'country DEU', 'country empty', 'country non-ASCII',
      'reporterHash 129', 'reporterHash 129 two-byte chars',
      'hashtags 51', 'hashtag 141', 'hashtag 141 two-byte chars', 'evidence 11', 'evidence 201',
    ]);
  });

  it('agrees with the schema check on drawn batches mixing valid and invalid signals', () => {
    let seed = 17;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let b = 0; b < 300; b++) {
      const n = 1 + Math.floor(rand() * 8);
      const batch: SignalEvent[] = [];
      for (let i = 0; i < n; i++) {
        // Mostly valid, a third with one or two edge values.
        let over: Partial<SignalEvent> = {};
        if (rand() < 0.33) for (let k = rand() < 0.5 ? 1 : 2; k > 0; k--) over = { ...over, ...EDGES[Math.floor(rand() * EDGES.length)]![1] };
        batch.push(signal(`s${b}-${i}`, over));
      }
      const value = encodeSignalBatch(batch);
      const got = checked(value);
      const want = reference(value);
      expect(got.items).toEqual(want.items);
      expect(got.signals).toEqual(want.signals);
    }
  });

  it('calls the schema validator only for a signal its byte tests cannot vouch for', () => {
    const valid = encodeSignalBatch([signal('a'), signal('b', { country: 'DE', reporterHash: 'abc', hashtags: ['down'], evidence: ['x'] }), signal('c')]);
    expect(checked(valid).schemaCalls).toBe(0);
    // Valid, but more bytes than characters: the fast path is unsure, the schema accepts it.
    const multiByte = checked(encodeSignalBatch([signal('a'), signal('b', { reporterHash: s(100, 'é') })]));
    expect(multiByte.schemaCalls).toBe(1);
    expect(multiByte.items.map((i) => i.ok)).toEqual([true, true]);
    const invalid = checked(encodeSignalBatch([signal('a', { confidence: 2 }), signal('b')]));
    expect(invalid.schemaCalls).toBe(1);
    expect(invalid.items[0]).toEqual({ ok: false, field: 'confidence', reason: 'must be <= 1' });
  });

  it('reads a block written with a negative count and its byte size (Avro allows it) as the same signals', () => {
    const plain = encodeSignalBatch([signal('a')]);
    expect(plain[2]).toBe(2); // one item: zig-zag 1
    const body = plain.subarray(3, plain.length - 1);
    expect(body.length).toBeLessThan(64);
    // Count -1 (zig-zag 1), then the block's size in bytes (zig-zag 2 x length), the signal, the end.
    const sized = Buffer.concat([Buffer.from([0x00, 0x01, 0x01, body.length * 2]), body, Buffer.from([0x00])]);
    expect(checked(sized)).toEqual({ ...checked(plain), schemaCalls: 0 });
    expect(checked(sized).signals).toEqual([signal('a')]);
  });

  it("writes every string as its UTF-8 bytes after their count, short ASCII ones and all others alike", () => {
    // The writer copies a short ASCII string itself and gives any other to Buffer: strings around
    // its 64-character bound, with a character of 2, 3 or 4 UTF-8 bytes or a lone surrogate at a
    // drawn place (the first non-ASCII character can come after ASCII ones it already copied).
    const rand = seededRandom(17);
    const others = ['é', '€', '😀', '\ud800', '\u0080', '\u007f'];
    for (let k = 0; k < 3000; k++) {
      const n = Math.floor(rand() * 140);
      let text = '';
      for (let i = 0; i < n; i++) text += String.fromCharCode(32 + Math.floor(rand() * 95));
      if (rand() < 0.5) {
        const at = Math.floor(rand() * (n + 1));
        text = text.slice(0, at) + others[Math.floor(rand() * others.length)] + text.slice(at);
      }
      const value = encodeSignalBatch([signal('a', { evidence: [text, 'b'], hashtags: [text] }), signal('c', { country: 'DE' })]);
      const decoded = decodeSignalBatch(value);
      if (!decoded.ok) throw new Error(decoded.reason);
      // What UTF-8 carries of the text (a lone surrogate becomes U+FFFD, as Buffer writes it).
      const carried = Buffer.from(text, 'utf8').toString('utf8');
      expect(decoded.signals[0]!.evidence).toEqual([carried, 'b']);
      expect(decoded.signals[0]!.hashtags).toEqual([carried]);
      expect(decoded.signals[1]).toEqual(signal('c', { country: 'DE' }));
    }
  });

  it('reuses the service id string of the previous signal of the batch only when the bytes are the same', () => {
    const got = checked(encodeSignalBatch([signal('a'), signal('b'), signal('c', { serviceId: 'faceboom' }), signal('d', { serviceId: 'Facebook' })]));
    expect(got.signals.map((x) => x.serviceId)).toEqual(['facebook', 'facebook', 'faceboom', 'Facebook']);
    expect(got.items.map((i) => i.ok)).toEqual([true, true, true, false]);
  });
});

describe('encodeSignalBatch: which objects it takes', () => {
  const full = signal('a', { country: 'US', reporterHash: 'ab'.repeat(16), hashtags: ['#down'], evidence: ['report button: login'], officialStatus: 'major_outage' });

  it('writes the same bytes whatever the order of a signal\'s keys', () => {
    const keys = Object.keys(full);
    const rand = seededRandom(17);
    for (let i = 0; i < 50; i++) {
      const shuffled = [...keys].sort(() => rand() - 0.5);
      const copy = Object.fromEntries(shuffled.map((k) => [k, (full as unknown as Record<string, unknown>)[k]])) as unknown as SignalEvent;
      expect(encodeSignalBatch([copy]).equals(encodeSignalBatch([full]))).toBe(true);
    }
  });

  it('refuses a signal with a key the schema lacks, wherever the key stands, and arrays holding a non-string', () => {
    const keys = Object.keys(full);
    for (let at = 0; at <= keys.length; at++) {
      const withExtra = Object.fromEntries([...keys.slice(0, at).map((k) => [k, (full as unknown as Record<string, unknown>)[k]]), ['note', 'x'], ...keys.slice(at).map((k) => [k, (full as unknown as Record<string, unknown>)[k]])]);
      expect(() => encodeSignalBatch([withExtra as unknown as SignalEvent]), `extra key at ${at}`).toThrow(/note is not a SignalEvent field/);
    }
    expect(() => encodeSignalBatch([{ ...full, hashtags: ['a', 3] } as unknown as SignalEvent])).toThrow(/hashtags/);
    expect(() => encodeSignalBatch([{ ...full, evidence: [null] } as unknown as SignalEvent])).toThrow(/evidence/);
    // eslint-disable-next-line no-sparse-arrays
    expect(() => encodeSignalBatch([{ ...full, hashtags: ['a', , 'b'] } as unknown as SignalEvent])).toThrow(/hashtags/);
  });
});
