/**
 * A DNS probe: resolve a domain's A records (AAAA when it has none) through a node:dns Resolver
 * pointed at the configured servers, and say how it went in the resolver's own terms: NXDOMAIN
 * (ENOTFOUND), SERVFAIL, REFUSED, a timeout, or another error. The 2021 outage was this:
 * facebook.com stopped resolving when its authoritative servers became unreachable.
 */
import { Resolver } from 'node:dns/promises';
import type { ProbeOutcome } from '../../../../schemas/events/index';

export interface DnsProbeResult {
  ok: boolean;
  outcome: ProbeOutcome;
  ms: number;
  addresses: string[];
  error?: string;
}

export function createResolver(servers: readonly string[], timeoutMs: number): Resolver {
  // tries: 1 so that timeoutMs is the probe's bound (c-ares retries would multiply it).
  const r = new Resolver({ timeout: timeoutMs, tries: 1 });
  if (servers.length > 0) r.setServers([...servers]);
  return r;
}

export function dnsOutcome(code: string | undefined): ProbeOutcome {
  switch (code) {
    case 'ENOTFOUND':
      return 'nxdomain';
    case 'ESERVFAIL':
      return 'servfail';
    case 'EREFUSED':
      return 'refused';
    case 'ETIMEOUT':
      return 'dns_timeout';
    default:
      return 'dns_error';
  }
}

export async function dnsProbe(domain: string, resolver: Resolver, timeoutMs: number): Promise<DnsProbeResult> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEOUT' })), timeoutMs + 50);
  });
  try {
    let addresses: string[];
    try {
      addresses = await Promise.race([resolver.resolve4(domain), deadline]);
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENODATA') throw err;
      addresses = await Promise.race([resolver.resolve6(domain), deadline]);
    }
    return { ok: addresses.length > 0, outcome: addresses.length > 0 ? 'ok' : 'dns_error', ms: performance.now() - t0, addresses };
  } catch (err) {
    const code = (err as { code?: string }).code;
    return { ok: false, outcome: dnsOutcome(code), ms: performance.now() - t0, addresses: [], error: `${code ?? 'ERROR'} ${(err as Error).message}`.slice(0, 500) };
  } finally {
    clearTimeout(timer);
  }
}
