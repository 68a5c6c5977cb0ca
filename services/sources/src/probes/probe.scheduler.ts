/**
 * Probes every service's domains every intervalMs (each round starting up to jitter × interval
 * late, at random, so probes of many hosts do not beat in step), at most `concurrency` at a time.
 * Per domain: DNS first, then HTTPS to the address found (a domain that does not resolve has
 * nothing to connect to).
 *
 * A round is one transaction: every ProbeResultEvent on downradar.probes and, unless the round
 * looks like this host's own trouble (probe-round.ts), one `probe` evidence signal per service
 * for the detector, which takes it as corroboration of crowd reports, never as an alarm alone.
 */
import type { Resolver } from 'node:dns/promises';
import { isFenced, type Logger, type TxnMessage } from '@downradar/common';
import type { ProbeResultEvent, SignalEvent } from '../../../../schemas/events/index';
import { sleep } from '../backoff';
import { FailureReport } from '../failure-report';
import type { SourceWriter } from '../kafka/source-writer';
import type { SourceMetrics } from '../metrics';
import { createResolver, dnsProbe } from './dns-probe';
import { httpsProbe } from './https-probe';
import { roundVerdict } from './probe-round';

export interface ProbeTarget {
  serviceId: string;
  domains: readonly string[];
}

export interface ProbeOptions {
  targets: ProbeTarget[];
  intervalMs: number;
  jitter: number;
  concurrency: number;
  timeoutMs: number;
  resolvers: string[];
  httpsPort: number;
  vantage: string;
  vantageFailShare: number;
  ca?: string | Buffer;
  /** A failure that repeats is logged at most once per this long (failure-report.ts); default 5 min. */
  repeatLogMs?: number;
}

export interface ProbeDeps {
  writer: SourceWriter;
  logger: Logger;
  metrics: SourceMetrics;
  random?: () => number;
}

export function probeSignal(serviceId: string, failing: boolean, roundAt: number, vantage: string): SignalEvent {
  return {
    id: `probe:${serviceId}:${roundAt}`,
    sourceId: `probes:${serviceId}`,
    serviceId,
    kind: 'probe',
    at: roundAt,
    receivedAt: roundAt,
    outage: failing,
    problem: 'other',
    confidence: 1,
    hashtags: [],
    evidence: [`probes from ${vantage}: ${failing ? 'every domain failed' : 'reachable'}`.slice(0, 200)],
  };
}

/**
 * When the round due at `due` starts: up to jitter × interval later, at random, and never before
 * `due`, so probes from many hosts (or many services here) do not beat in step.
 */
export function roundStart(due: number, intervalMs: number, jitter: number, random: () => number): number {
  return due + Math.min(Math.max(random(), 0), 1) * jitter * intervalMs;
}

/** Runs `tasks` with at most `limit` in flight. */
export async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return out;
}

export class ProbeScheduler {
  private readonly resolver: Resolver;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private fenced = false;
  readonly stats = { rounds: 0, probes: 0, failed: 0, suspectRounds: 0, lastRoundMs: 0 };
  private readonly failures: FailureReport;

  constructor(
    private readonly o: ProbeOptions,
    private readonly d: ProbeDeps,
  ) {
    this.resolver = createResolver(o.resolvers, o.timeoutMs);
    this.failures = new FailureReport(d.logger, o.repeatLogMs ?? 300_000);
  }

  status() {
    return { health: this.failures.health(), services: this.o.targets.length, ...this.stats };
  }

  async start(): Promise<void> {
    await this.d.writer.open();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    await this.d.writer.close();
  }

  private async run(): Promise<void> {
    const random = this.d.random ?? Math.random;
    let next = Date.now();
    while (!this.stopping.signal.aborted && !this.fenced) {
      const start = roundStart(next, this.o.intervalMs, this.o.jitter, random);
      await sleep(Math.max(0, start - Date.now()), this.stopping.signal);
      if (this.stopping.signal.aborted) break;
      await this.round().catch((err: unknown) => this.d.logger.warn({ err: (err as Error).message }, 'probes: round failed'));
      next += this.o.intervalMs;
      if (next < Date.now()) next = Date.now();
    }
  }

  /** Probe one domain: DNS, then HTTPS when it resolved. */
  async probeDomain(serviceId: string, domain: string, roundAt: number): Promise<ProbeResultEvent[]> {
    const base = { serviceId, target: domain, vantage: this.o.vantage };
    const at = Date.now();
    const dns = await dnsProbe(domain, this.resolver, this.o.timeoutMs);
    this.d.metrics.probeMs.observe({ kind: 'dns' }, dns.ms);
    const out: ProbeResultEvent[] = [];
    const dnsEvent: ProbeResultEvent = { ...base, id: `${serviceId}:dns:${domain}:${roundAt}`, kind: 'dns', at, ok: dns.ok, outcome: dns.outcome, latencyMs: round(dns.ms), dnsMs: round(dns.ms) };
    if (dns.addresses[0]) dnsEvent.address = dns.addresses[0];
    if (dns.error) dnsEvent.error = dns.error;
    out.push(dnsEvent);
    if (dns.ok && dns.addresses[0]) {
      const h = await httpsProbe({ domain, address: dns.addresses[0], port: this.o.httpsPort, timeoutMs: this.o.timeoutMs, ...(this.o.ca ? { ca: this.o.ca } : {}) });
      this.d.metrics.probeMs.observe({ kind: 'https' }, h.latencyMs);
      const e: ProbeResultEvent = { ...base, id: `${serviceId}:https:${domain}:${roundAt}`, kind: 'https', at: Date.now(), ok: h.ok, outcome: h.outcome, latencyMs: round(h.latencyMs), address: dns.addresses[0] };
      if (h.connectMs !== undefined) e.connectMs = round(h.connectMs);
      if (h.tlsMs !== undefined) e.tlsMs = round(h.tlsMs);
      if (h.firstByteMs !== undefined) e.firstByteMs = round(h.firstByteMs);
      if (h.httpStatus !== undefined) e.httpStatus = h.httpStatus;
      if (h.error) e.error = h.error;
      out.push(e);
    }
    return out;
  }

  /** One round over every target (public for tests and the benchmark). */
  async round(): Promise<{ results: ProbeResultEvent[]; vantageSuspect: boolean }> {
    const t0 = performance.now();
    const roundAt = Date.now();
    const tasks = this.o.targets.flatMap((t) => t.domains.map((domain) => () => this.probeDomain(t.serviceId, domain, roundAt)));
    const results = (await pool(tasks, this.o.concurrency)).flat();
    const verdict = roundVerdict(results, this.o.vantageFailShare);
    const messages: TxnMessage[] = results.map((r) => this.d.writer.probeMessage(r));
    if (verdict.vantageSuspect) {
      this.stats.suspectRounds++;
      const example = results.find((r) => !r.ok);
      this.failures.fail(
        'vantage',
        example?.error ?? example?.outcome ?? 'failed',
        { failedShare: Number(verdict.failedShare.toFixed(2)), example: example ? `${example.kind} ${example.target}: ${example.outcome}` : undefined },
        'probes: most services failed at once; blaming this host, sending no evidence this round',
      );
    } else {
      this.failures.ok('probes: services reachable again from this host');
      for (const [serviceId, failing] of verdict.failing) messages.push(this.d.writer.signalMessage(probeSignal(serviceId, failing, roundAt, this.o.vantage)));
    }
    try {
      await this.d.writer.commit(messages);
    } catch (err) {
      if (isFenced(err)) {
        this.fenced = true;
        this.d.logger.error('probes: another instance took over this connector (fenced); stopping it here');
      } else await this.d.writer.open().catch(() => undefined);
      throw err;
    }
    this.stats.rounds++;
    this.stats.probes += results.length;
    this.stats.failed += results.filter((r) => !r.ok).length;
    this.stats.lastRoundMs = performance.now() - t0;
    for (const r of results) this.d.metrics.events.inc({ connector: 'probes', outcome: r.outcome });
    return { results, vantageSuspect: verdict.vantageSuspect };
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;
