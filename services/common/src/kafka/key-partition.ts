/**
 * The partition kafkajs' default partitioner gives a string key over `partitions` partitions:
 * murmur2 of the key's UTF-8 bytes modulo the count, whatever the topic. createProducer places
 * keyed messages with it, and the replay uses it to send each signals partition's events as their
 * own ordered stream without producing (services/replay/src/shards.ts).
 *
 * kafkajs' murmur2 (partitioners/default/murmur2.js) computes in 64-bit `Long` objects, five or
 * more a 4-byte word, and only the low 32 bits are ever used: the same hash in 32-bit integers
 * (Math.imul, as Kafka's Java client computes it) costs no objects. Ingest keys every post by its
 * id, so most keys are new: a cache of recent keys (what this was before) missed on them, and their
 * numbers cleared it for the service ids too. key-partition.test.ts compares the two for drawn
 * keys of every length and alphabet.
 */
// First, before kafkajs loads: three of its producer's hot functions made cheaper (kafkajs-speedups.ts).
import './kafkajs-speedups';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
let bytes = new Uint8Array(256);
const utf8 = new TextEncoder();

/** Kafka's murmur2 of a key's UTF-8 bytes, as a signed 32-bit integer (kafkajs' murmur2(key)). */
export function murmur2(key: string): number {
  let length = key.length;
  let data = bytes;
  let ascii = length <= data.length;
  if (ascii) {
    for (let i = 0; i < length; i++) {
      const c = key.charCodeAt(i);
      if (c > 0x7f) {
        ascii = false;
        break;
      }
      data[i] = c;
    }
  }
  if (!ascii) {
    if (bytes.length < key.length * 3) bytes = new Uint8Array(key.length * 3);
    data = bytes;
    length = utf8.encodeInto(key, data).written;
  }
  let h = SEED ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & ~3;
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= data[tail + 2]! << 16;
    if (rest >= 2) h ^= data[tail + 1]! << 8;
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

export function keyPartition(key: string, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}
