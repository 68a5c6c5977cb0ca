/**
 * Where a webhook may go: the pure rules. A subscriber names a URL, and the notifier POSTs to it
 * from inside the network downradar runs in, where ClickHouse's HTTP port, the services' own
 * ports and a cloud's metadata address answer to anyone who can reach them. So deliveries to
 * addresses that are not on the public internet are refused unless the operator allows them:
 *
 *   loopback      127.0.0.0/8, ::1
 *   private       10/8, 172.16/12, 192.168/16, 100.64/10 (carrier-grade NAT), fec0::/10, 64:ff9b:1::/48
 *   link-local    169.254/16 (cloud metadata: 169.254.169.254), fe80::/10
 *   unique-local  fc00::/7
 *   unspecified   0.0.0.0/8, :: (connecting to them reaches this host)
 *   multicast     224/4, ff00::/8
 *   reserved      240/4, documentation, benchmarking and protocol ranges, ::/8, 100::/64, 2001:db8::/32
 *
 * IPv6 forms that carry an IPv4 address (::ffff:a.b.c.d, 64:ff9b::/96 NAT64, 2002::/16 6to4)
 * are judged by that IPv4 address. Every address a name resolves to is checked; one refused
 * address refuses the delivery. No I/O here: destination-guard.ts resolves and connects.
 */
import { isIP } from 'node:net';

export const DESTINATION_RULES = ['loopback', 'private', 'link-local', 'unique-local', 'unspecified', 'multicast', 'reserved'] as const;
export type DestinationRule = (typeof DESTINATION_RULES)[number];

/** An address as bytes: 4 for IPv4, 16 for IPv6. */
type Bytes = number[];

interface Range {
  prefix: Bytes;
  bits: number;
  rule: DestinationRule;
  name: string;
}

const v4 = (cidr: string, rule: DestinationRule): Range => {
  const [a, bits] = cidr.split('/');
  return { prefix: parseIPv4(a!)!, bits: Number(bits), rule, name: cidr };
};
const v6 = (cidr: string, rule: DestinationRule): Range => {
  const [a, bits] = cidr.split('/');
  return { prefix: parseIPv6(a!)!, bits: Number(bits), rule, name: cidr };
};

const IPV4_RANGES: Range[] = [
  v4('0.0.0.0/8', 'unspecified'),
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'private'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local'),
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'reserved'),
  v4('192.0.2.0/24', 'reserved'),
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'reserved'),
  v4('198.51.100.0/24', 'reserved'),
  v4('203.0.113.0/24', 'reserved'),
  v4('224.0.0.0/4', 'multicast'),
  v4('240.0.0.0/4', 'reserved'),
];

const IPV6_RANGES: Range[] = [
  v6('::/128', 'unspecified'),
  v6('::1/128', 'loopback'),
  v6('64:ff9b:1::/48', 'private'),
  v6('::/8', 'reserved'),
  v6('100::/64', 'reserved'),
  v6('2001:db8::/32', 'reserved'),
  v6('fc00::/7', 'unique-local'),
  v6('fe80::/10', 'link-local'),
  v6('fec0::/10', 'private'),
  v6('ff00::/8', 'multicast'),
];

/** IPv6 prefixes whose address embeds an IPv4 address, and where (byte offset). */
const EMBEDDING: { range: Range; at: number }[] = [
  { range: v6('::ffff:0:0/96', 'reserved'), at: 12 },
  { range: v6('64:ff9b::/96', 'reserved'), at: 12 },
  { range: v6('2002::/16', 'reserved'), at: 2 },
];

export function parseIPv4(s: string): Bytes | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: Bytes = [];
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

export function parseIPv6(input: string): Bytes | undefined {
  let s = input.replace(/^\[|\]$/g, '');
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (isIP(s) !== 6) return undefined;
  let tail: Bytes = [];
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const four = parseIPv4(s.slice(lastColon + 1));
    if (!four) return undefined;
    tail = four;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = s.split('::');
  const groups = (h: string) => (h === '' ? [] : h.split(':').map((g) => parseInt(g, 16)));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const fill = 8 - head.length - rest.length;
  const all = halves.length === 2 ? [...head, ...Array<number>(fill).fill(0), ...rest] : head;
  if (all.length !== 8) return undefined;
  const out: Bytes = [];
  for (const g of all) out.push((g >> 8) & 0xff, g & 0xff);
  if (tail.length === 4) out.splice(12, 4, ...tail);
  return out;
}

/** Bytes of an IPv4 or IPv6 address (brackets and zone ids tolerated), or undefined. */
export function parseIp(s: string): Bytes | undefined {
  return parseIPv4(s) ?? parseIPv6(s);
}

function inRange(addr: Bytes, prefix: Bytes, bits: number): boolean {
  if (addr.length !== prefix.length) return false;
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if ((addr[byte]! & mask) !== (prefix[byte]! & mask)) return false;
  }
  return true;
}

const formatV4 = (b: Bytes) => b.join('.');

export interface Classification {
  rule: DestinationRule;
  /** The range that matched, e.g. 127.0.0.0/8; for an IPv6 form of an IPv4 address, that address's range. */
  range: string;
}

/** The rule that refuses this address by default, or undefined for a public address. Throws on a non-address. */
export function classifyAddress(address: string): Classification | undefined {
  const bytes = parseIp(address);
  if (!bytes) throw new Error(`not an IP address: ${address}`);
  return classifyBytes(bytes);
}

function classifyBytes(bytes: Bytes): Classification | undefined {
  if (bytes.length === 4) {
    const r = IPV4_RANGES.find((x) => inRange(bytes, x.prefix, x.bits));
    return r && { rule: r.rule, range: r.name };
  }
  for (const e of EMBEDDING) {
    if (inRange(bytes, e.range.prefix, e.range.bits)) {
      const inner = bytes.slice(e.at, e.at + 4);
      const c = classifyBytes(inner);
      return c && { rule: c.rule, range: `${c.range} (as ${formatV4(inner)} inside ${e.range.name})` };
    }
  }
  const r = IPV6_RANGES.find((x) => inRange(bytes, x.prefix, x.bits));
  return r && { rule: r.rule, range: r.name };
}

/** One entry of DOWNRADAR_WEBHOOK_ALLOW: an address or network, and optionally one port. */
export interface AllowEntry {
  prefix: Bytes;
  bits: number;
  port?: number;
  text: string;
}

/**
 * Parses `127.0.0.1`, `127.0.0.0/8`, `127.0.0.1:8099`, `::1`, `fd00::/8`, `[::1]:8099`,
 * `[fd00::/8]:443`. Throws with the entry in the message.
 */
export function parseAllowEntry(text: string): AllowEntry {
  const t = text.trim();
  const bad = (why: string) => new Error(`"${t}" ${why} (expected an address or network, optionally with a port: 127.0.0.1, 10.0.0.0/8, 127.0.0.1:8099, [::1]:8099, fd00::/8)`);
  let addr = t;
  let port: number | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (bracket) {
    addr = bracket[1]!;
    if (bracket[2] !== undefined) port = Number(bracket[2]);
  } else if (/^[\d.]+(\/\d+)?:\d+$/.test(t)) {
    const i = t.lastIndexOf(':');
    addr = t.slice(0, i);
    port = Number(t.slice(i + 1));
  }
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) throw bad('has a port out of range');
  const [a = '', len] = addr.split('/');
  const prefix = parseIp(a);
  if (!prefix) throw bad('is not an IP address or network');
  const max = prefix.length * 8;
  const bits = len === undefined ? max : Number(len);
  if (!/^\d+$/.test(len ?? String(max)) || bits > max) throw bad(`has a prefix length out of 0..${max}`);
  return { prefix, bits, text: t, ...(port === undefined ? {} : { port }) };
}

export function parseAllowList(entries: string[]): AllowEntry[] {
  return entries.filter((e) => e.trim() !== '').map(parseAllowEntry);
}

export function isAllowed(allow: AllowEntry[], address: string, port: number): boolean {
  const bytes = parseIp(address);
  if (!bytes) return false;
  return allow.some((e) => inRange(bytes, e.prefix, e.bits) && (e.port === undefined || e.port === port));
}

export type AddressVerdict = { ok: true } | { ok: false; address: string; rule: DestinationRule; range: string };

/** Every address must pass: public, or refused by a rule but listed in the allowlist (with its port). */
export function judgeAddresses(addresses: string[], port: number, allow: AllowEntry[]): AddressVerdict {
  for (const address of addresses) {
    const c = classifyAddress(address);
    if (c && !isAllowed(allow, address, port)) return { ok: false, address, rule: c.rule, range: c.range };
  }
  return { ok: true };
}

/** Names that resolve to loopback without asking DNS (RFC 6761). */
export function isLocalhostName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
}

/** The host and port a URL connects to: brackets stripped from IPv6, the scheme's default port. */
export function urlTarget(url: URL): { host: string; port: number } {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { host, port };
}
