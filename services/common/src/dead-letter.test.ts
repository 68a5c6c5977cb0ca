import { describe, expect, it } from 'vitest';
import { DlqRecord } from '../../../schemas/events/index';
import { contentId, deadLetter, deadLetterId, DLQ_LIMITS, positionId } from './dead-letter';
import { compileValidator } from './validate';

const check = compileValidator(DlqRecord);

describe('deadLetter', () => {
  it('takes its limits from the DlqRecord schema', () => {
    expect(DLQ_LIMITS).toEqual({ id: 128, origin: 200, reason: 2000, payload: 65536 });
  });

  it('names a message read from Kafka by its position, the same on every redelivery', () => {
    const at = { topic: 'downradar.reports', partition: 2, offset: '42' };
    expect(positionId('sink', at)).toBe('sink:downradar.reports:2:42');
    expect(positionId('sink', { ...at })).toBe(positionId('sink', at));
    expect(positionId('sink', { ...at, offset: '43' })).not.toBe(positionId('sink', at));
  });

  it('hashes a topic name that would make the id too long, keeping partition and offset readable', () => {
    const id = positionId('sink', { topic: 'p'.repeat(120) + '.reports', partition: 3, offset: '99' });
    expect(id.length).toBeLessThanOrEqual(128);
    expect(id).toMatch(/^sink:[0-9a-f]{32}:3:99$/);
    expect(positionId('sink', { topic: 'q'.repeat(120) + '.reports', partition: 3, offset: '99' })).not.toBe(id);
  });

  it('makes any key a valid id: bad characters replaced, long keys cut and hashed without collisions', () => {
    expect(deadLetterId('sub_1:inc 2021/10/04:1')).toBe('sub_1:inc_2021_10_04:1');
    const a = deadLetterId('x'.repeat(300) + 'a');
    const b = deadLetterId('x'.repeat(300) + 'b');
    expect(a.length).toBe(128);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^x+:[0-9a-f]{32}$/);
    expect(deadLetterId('')).toMatch(/^:[0-9a-f]{32}$/);
  });

  it('names content without a position by its hash', () => {
    expect(contentId('sink', 'downradar.reports', '{"a":1}')).toMatch(/^sink:downradar\.reports:[0-9a-f]{40}$/);
    expect(contentId('sink', 't', 'a')).toBe(contentId('sink', 't', 'a'));
    expect(contentId('sink', 't', 'a')).not.toBe(contentId('sink', 't', 'b'));
  });

  it('cuts reason, origin and payload to the limits and keeps the record valid', () => {
    const r = deadLetter({ id: 'x:1', at: 5, origin: 'o'.repeat(500), code: 'NOT_JSON', reason: 'r'.repeat(5000), payload: 'p'.repeat(70_000) });
    expect(r.reason).toHaveLength(2000);
    expect(r.origin).toHaveLength(200);
    expect(r.payload).toHaveLength(65536);
    expect(check(r)).toEqual({ ok: true, value: r });
  });

  it('keeps the payload as it came: bytes as text, values as JSON, nothing as empty', () => {
    const base = { id: 'x:1', at: 5, origin: 'o', code: 'INVALID_MESSAGE', reason: 'r' };
    expect(deadLetter({ ...base, payload: Buffer.from('{nope', 'utf8') }).payload).toBe('{nope');
    // A binary message (first byte 0x00, e.g. the signals topic's binary form) stays recoverable.
    expect(deadLetter({ ...base, payload: Buffer.from([0, 1, 2, 0xff]) }).payload).toBe('base64:AAEC/w==');
    expect(deadLetter({ ...base, payload: '{nope' }).payload).toBe('{nope');
    expect(deadLetter({ ...base, payload: { id: 'late-one', at: 1 } }).payload).toBe('{"id":"late-one","at":1}');
    expect(deadLetter({ ...base, payload: null }).payload).toBe('');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(deadLetter({ ...base, payload: cyclic }).payload).toBe('[object Object]');
  });
});
