/**
 * The I/O half of the destination rules (destination.ts): resolve a webhook's host at the moment
 * of the check, judge every address it resolves to, and hand the request the very addresses
 * that were judged, so that a second, different DNS answer between the check and the connection
 * (DNS rebinding) cannot send it elsewhere.
 *
 * Names resolve with the system resolver (getaddrinfo, as any program on the host would), or with
 * the DNS servers in DOWNRADAR_WEBHOOK_DNS_SERVERS when set. `localhost` and `*.localhost` are
 * loopback without asking anyone (RFC 6761).
 */
import { lookup as systemLookup, Resolver } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { isLocalhostName, judgeAddresses, parseAllowList, urlTarget, type AllowEntry, type DestinationRule } from './destination';

export type DestinationVerdict =
  | { ok: true; host: string; port: number; addresses: string[] }
  /** A rule refuses one of the addresses: never retried. */
  | { ok: false; refused: true; rule: DestinationRule; address: string; reason: string }
  /** The name did not resolve (or not in time): a delivery may try again later. */
  | { ok: false; refused: false; code: string; reason: string };

export interface DestinationGuard {
  check(url: string, timeoutMs?: number): Promise<DestinationVerdict>;
}

export interface DestinationGuardOptions {
  /** DOWNRADAR_WEBHOOK_ALLOW entries (destination.ts: parseAllowEntry). */
  allow?: string[];
  /** DNS servers (`ip` or `ip:port`, `[ipv6]:port`) instead of the system resolver. */
  dnsServers?: string[];
  /** Any other resolver (unit tests). */
  resolve?: ResolveAll;
}

export type ResolveAll = (host: string) => Promise<string[]>;

export function createDestinationGuard(opts: DestinationGuardOptions = {}): DestinationGuard {
  const allow: AllowEntry[] = parseAllowList(opts.allow ?? []);
  const resolveAll: ResolveAll = opts.resolve ?? (opts.dnsServers && opts.dnsServers.length > 0 ? dnsServersResolver(opts.dnsServers) : systemResolver);
  return {
    async check(rawUrl, timeoutMs = 5000) {
      let url: URL;
      try {
        url = new URL(rawUrl);
      } catch {
        return { ok: false, refused: false, code: 'BAD_URL', reason: 'the URL does not parse' };
      }
      const { host, port } = urlTarget(url);
      let addresses: string[];
      if (isIP(host)) addresses = [host];
      else if (isLocalhostName(host)) addresses = ['127.0.0.1', '::1'];
      else {
        try {
          addresses = await withTimeout(resolveAll(host), timeoutMs, `resolving ${host} took longer than ${timeoutMs} ms`);
        } catch (err) {
          const e = err as { code?: string; message?: string };
          const code = (e.code ?? 'DNS_FAILED').replace(/[^A-Z0-9_]/gi, '_').toUpperCase();
          return { ok: false, refused: false, code, reason: `could not resolve ${host}: ${e.message ?? String(err)}` };
        }
        if (addresses.length === 0) return { ok: false, refused: false, code: 'ENOTFOUND', reason: `${host} has no address` };
      }
      const verdict = judgeAddresses(addresses, port, allow);
      if (!verdict.ok) {
        const via = isIP(host) ? '' : `${host} resolves to `;
        return {
          ok: false,
          refused: true,
          rule: verdict.rule,
          address: verdict.address,
          reason:
            `${via}${verdict.address}, a ${verdict.rule} address (${verdict.range}): webhooks are not delivered to ` +
            `loopback, private, link-local or unique-local addresses unless DOWNRADAR_WEBHOOK_ALLOW lists them`,
        };
      }
      return { ok: true, host, port, addresses };
    },
  };
}

/** A `lookup` for http.request that answers only with the addresses the guard judged. */
export function pinnedLookup(addresses: string[]): LookupFunction {
  const entries = addresses.map((address) => ({ address, family: isIP(address) }));
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, entries);
    else callback(null, entries[0]!.address, entries[0]!.family);
  }) as unknown as LookupFunction;
}

const systemResolver: ResolveAll = async (host) => (await systemLookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** Both families from the given servers; a family without records is fine, both failing is not. */
export function dnsServersResolver(servers: string[]): ResolveAll {
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  resolver.setServers(servers);
  return async (host) => {
    const [a, aaaa] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
    const out = [...(a.status === 'fulfilled' ? a.value : []), ...(aaaa.status === 'fulfilled' ? aaaa.value : [])];
    if (out.length === 0 && a.status === 'rejected') throw a.reason;
    return out;
  };
}

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(message), { code: 'DNS_TIMEOUT' })), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
