/**
 * RowBinary's small pieces shared by the rows read straight from their bytes (report-bytes.ts,
 * signal-bytes.ts): each writes into `out` at `o` and returns the position after it.
 */

/** `n` as a ClickHouse VarUInt (LEB128). */
export function varUInt(out: Buffer, o: number, n: number): number {
  while (n >= 0x80) {
    out[o++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[o++] = n;
  return o;
}

/** A UInt32, little endian. */
export function uint32(out: Buffer, o: number, n: number): number {
  out[o] = n & 0xff;
  out[o + 1] = (n >>> 8) & 0xff;
  out[o + 2] = (n >>> 16) & 0xff;
  out[o + 3] = (n >>> 24) & 0xff;
  return o + 4;
}
