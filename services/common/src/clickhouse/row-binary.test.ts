import { describe, expect, it } from 'vitest';
import { seededRandom } from '../seeded-random';
import { BinaryWriter, rowBinaryEncoder, rowBinaryEncoderLoop, rowBinaryInsertQuery, type ColumnType, type RowLayout } from './row-binary';

const hex = (b: Buffer) => b.toString('hex');

describe('RowBinary', () => {
  it('writes unsigned LEB128 lengths: 1 byte below 128, 2 from 128, 3 from 16384', () => {
    for (const [n, expected] of [[0, '00'], [127, '7f'], [128, '8001'], [300, 'ac02'], [16_383, 'ff7f'], [16_384, '808001']] as const) {
      const w = new BinaryWriter(1);
      w.varUInt(n);
      expect(hex(w.take()), String(n)).toBe(expected);
    }
  });

  it('writes strings as UTF-8 bytes after their byte length (not their UTF-16 length)', () => {
    const w = new BinaryWriter(1);
    w.string('');
    w.string('ab');
    w.string('é€');
    expect(hex(w.take())).toBe('00' + '02' + '6162' + '05' + 'c3a9e282ac');
  });

  it('writes a string longer than 127 bytes with a two-byte length, growing the buffer', () => {
    const s = 'x'.repeat(200);
    const w = new BinaryWriter(16);
    w.string(s);
    const b = w.take();
    expect(b.length).toBe(202);
    expect(hex(b.subarray(0, 2))).toBe('c801');
    expect(b.subarray(2).toString()).toBe(s);
  });

  it('writes little-endian integers and floats; UInt64 is exact up to 2^53', () => {
    const w = new BinaryWriter(4);
    w.uint8(255);
    w.uint32(0x01020304);
    w.uint64(1_633_362_240_123);
    w.uint64(2 ** 53 - 1);
    w.float32(0.5);
    w.float64(-2);
    const b = w.take();
    expect(b.readUInt8(0)).toBe(255);
    expect(b.readUInt32LE(1)).toBe(0x01020304);
    expect(b.readBigUInt64LE(5)).toBe(1_633_362_240_123n);
    expect(b.readBigUInt64LE(13)).toBe(2n ** 53n - 1n);
    expect(b.readFloatLE(21)).toBe(0.5);
    expect(b.readDoubleLE(25)).toBe(-2);
    expect(b.length).toBe(33);
  });

  it('writes UInt16 in two little-endian bytes (an HTTP status)', () => {
    const w = new BinaryWriter(1);
    w.uint16(503);
    w.uint16(65535);
    const b = w.take();
    expect(b.length).toBe(4);
    expect(b.readUInt16LE(0)).toBe(503);
    expect(b.readUInt16LE(2)).toBe(65535);
  });

  it('encodes a row in layout order: arrays with a count, Nullable with a null flag', () => {
    interface R { a: string; b: number[]; c: number | null; d: number | null; e: number }
    const layout: RowLayout<R> = [['a', 'String'], ['b', 'Array(UInt32)'], ['c', 'Nullable(DateTime)'], ['d', 'Nullable(UInt8)'], ['e', 'UInt8']];
    const put = rowBinaryEncoder(layout);
    const w = new BinaryWriter(8);
    put(w, { e: 7, d: 1, c: null, b: [1, 2], a: 'x' });
    expect(hex(w.take())).toBe('0178' + '02' + '01000000' + '02000000' + '01' + '0001' + '07');
    expect(rowBinaryInsertQuery('db.t', layout)).toBe('INSERT INTO db.t (a, b, c, d, e) FORMAT RowBinary');
  });

  it('writes every string as its UTF-8 byte length and bytes: ASCII byte by byte, anything else through the encoder, at every length around the one-byte prefix', () => {
    const rand = seededRandom(42);
    const chars = ['a', 'Z', '0', ' ', '\u0000', '\u007f', '\u0080', 'é', '€', '😀', '\ud800', '\udc00'];
    const w = new BinaryWriter(1);
    const expected: Buffer[] = [];
    for (let i = 0; i < 3000; i++) {
      const n = Math.floor(rand() * 200);
      const ascii = rand() < 0.7;
      const s = Array.from({ length: n }, () => (ascii ? chars[Math.floor(rand() * 4)]! : chars[Math.floor(rand() * chars.length)]!)).join('');
      w.string(s);
      const bytes = Buffer.from(s, 'utf8');
      const prefix = new BinaryWriter(1);
      prefix.varUInt(bytes.length);
      expected.push(prefix.take(), bytes);
    }
    expect(w.take().equals(Buffer.concat(expected))).toBe(true);
  });

  it('the generated encoder writes the bytes of the column loop, for every type, drawn rows', () => {
    const types: ColumnType[] = ['String', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'Float32', 'Float64', 'DateTime', 'Array(String)', 'Array(UInt32)', 'Array(DateTime)', 'Array(Float64)', 'Nullable(DateTime)', 'Nullable(UInt8)', 'Nullable(Float64)', 'Nullable(String)'];
    const layout = types.map((t, i) => [`c_${i}`, t] as const) as unknown as RowLayout<Record<string, unknown>>;
    const generated = rowBinaryEncoder(layout);
    const loop = rowBinaryEncoderLoop(layout);
    expect(generated.name).toBe('encodeRow');
    const rand = seededRandom(7);
    const value = (t: ColumnType): unknown => {
      if (t.startsWith('Nullable(')) return rand() < 0.4 ? null : value(t.slice(9, -1) as ColumnType);
      if (t.startsWith('Array(')) return Array.from({ length: Math.floor(rand() * 4) }, () => value(t.slice(6, -1) as ColumnType));
      if (t === 'String') return ['', 'id-1', 'é€😀', 'x'.repeat(300)][Math.floor(rand() * 4)];
      if (t === 'Float32' || t === 'Float64') return rand() * 1e6 - 5e5;
      return Math.floor(rand() * (t === 'UInt8' ? 256 : t === 'UInt16' ? 65536 : t === 'UInt64' ? 2 ** 53 : 2 ** 32));
    };
    const [a, b] = [new BinaryWriter(1), new BinaryWriter(1)];
    for (let i = 0; i < 500; i++) {
      const row = Object.fromEntries(layout.map(([name, t]) => [name, value(t)]));
      generated(a, row);
      loop(b, row);
    }
    expect(a.length).toBeGreaterThan(10_000);
    expect(a.take().equals(b.take())).toBe(true);
    // A column name that is not an identifier: the loop, the same bytes.
    const odd = rowBinaryEncoder([['a-b', 'String'], ['c', 'UInt8']] as unknown as RowLayout<Record<string, unknown>>);
    expect(odd.name).not.toBe('encodeRow');
    const w = new BinaryWriter(1);
    odd(w, { 'a-b': 'x', c: 1 });
    expect(hex(w.take())).toBe('017801');
  });

  it('gives room for bytes written by the caller, growing the buffer and keeping what was written', () => {
    const w = new BinaryWriter(2);
    w.uint8(7);
    const buf = w.room(300);
    expect(buf.length).toBeGreaterThanOrEqual(301);
    for (let i = 0; i < 300; i++) buf[w.length + i] = i & 0xff;
    w.advance(300);
    w.uint8(9);
    const out = w.take();
    expect(out.length).toBe(302);
    expect([out[0], out[1], out[255], out[300], out[301]]).toEqual([7, 0, 254, 299 & 0xff, 9]);
  });

  it('refuses a type it cannot write', () => {
    expect(() => rowBinaryEncoder([['a', 'Decimal(9,2)' as never]])).toThrow(/unsupported/);
  });
});
