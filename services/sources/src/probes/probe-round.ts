/**
 * What one round of probes says about each service, from this single vantage point. Pure.
 *
 * A service fails the round when every one of its domains failed (its DNS or its HTTPS probe): one
 * bad domain of several is not the service down. And when a large share of all services fail in
 * the same round, the likeliest cause is this host's own network or resolver, not a hundred
 * providers at once: the round is then marked `vantageSuspect` and sends no evidence at all.
 */
import type { ProbeResultEvent } from '../../../../schemas/events/index';

export interface RoundVerdict {
  /** serviceId -> every domain failed. */
  failing: Map<string, boolean>;
  failedShare: number;
  vantageSuspect: boolean;
}

export function roundVerdict(results: readonly ProbeResultEvent[], vantageFailShare: number): RoundVerdict {
  const domainFailed = new Map<string, Map<string, boolean>>();
  for (const r of results) {
    let domains = domainFailed.get(r.serviceId);
    if (!domains) domainFailed.set(r.serviceId, (domains = new Map()));
    domains.set(r.target, (domains.get(r.target) ?? false) || !r.ok);
  }
  const failing = new Map<string, boolean>();
  for (const [serviceId, domains] of domainFailed) failing.set(serviceId, [...domains.values()].every((f) => f));
  const failed = [...failing.values()].filter(Boolean).length;
  const failedShare = failing.size === 0 ? 0 : failed / failing.size;
  return { failing, failedShare, vantageSuspect: failing.size >= 3 && failed >= 2 && failedShare >= vantageFailShare };
}
