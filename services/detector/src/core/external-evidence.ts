/**
 * Evidence that is not a count: what a provider's status page says (`official` signals) and what
 * this host's probes see (`probe` signals), both from services/sources. It is applied to the
 * crowd's verdict of each closed window, after the scorer, and never enters the counts, the
 * baselines or the level machine of the crowd: take it away and the crowd's levels are unchanged.
 *
 * The rules, and why:
 * - The provider's word is authoritative about itself. An official `major_outage` puts the
 *   service at danger, `partial_outage` at least at warning, for every window in which it is the
 *   latest official status, without waiting for counts. When the provider says operational again,
 *   the crowd's own level is what remains.
 * - A probe from this single vantage point is weak evidence on its own (a route, a resolver, a
 *   blip of this host): it never raises a level by itself. It corroborates the crowd: while the
 *   service's probes fail, a run of unusual crowd windows (count >= the level minimum and
 *   -log10 p >= unusualLog10) reaches warning with probeLog10 less evidence than it would need
 *   alone. probeLog10 is the log10 likelihood ratio of a failed probe round, P(all domains fail |
 *   outage) / P(all domains fail | no outage): with sources' vantage check removing this host's
 *   own trouble, about 0.7 / 0.005, so 2 by default.
 * - Evidence goes stale: an official status counts for officialFreshMs after the poll that said
 *   it, a probe round for probeFreshMs, so a poller or prober that stops is not believed forever.
 *
 * Pure and deterministic; the partition scorer feeds it the evidence signals of its partition
 * (they are keyed by service like every signal) and checkpoints it with its own state.
 */
import type { Level, OfficialStatus, ScoreEvent, SignalEvent } from '../../../../schemas/events/index';
import { evidenceFromScore } from './evidence';

export interface ExternalEvidenceConfig {
  officialFreshMs: number;
  probeFreshMs: number;
  probeLog10: number;
  /** The crowd's thresholds, from the level config. */
  unusualLog10: number;
  warningLog10: number;
  /** Least count of an unusual window (levels.minReports). */
  minCount: number;
}

export const EXTERNAL_EVIDENCE_DEFAULTS = { officialFreshMs: 15 * 60_000, probeFreshMs: 5 * 60_000, probeLog10: 2 } as const;

/** Evidence kinds: signals of these kinds are evidence, never counts. */
export const isExternalEvidence = (s: Pick<SignalEvent, 'kind'>): boolean => s.kind === 'official' || s.kind === 'probe';

interface Observation<T> {
  at: number;
  value: T;
}

export interface ExternalEvidenceState {
  official: [string, Observation<OfficialStatus>[]][];
  probes: [string, Observation<boolean>[]][];
  /** Per service: the crowd's current run of unusual windows (start of its last window, summed evidence). */
  runs: [string, { lastWindowStart: number; evidence: number }][];
}

export interface EvidenceAt {
  official: OfficialStatus | undefined;
  probeFailing: boolean;
}

const LEVEL_RANK: Record<Level, number> = { ok: 0, warning: 1, danger: 2 };
const MAX_PER_SERVICE = 64;

export function officialFloor(status: OfficialStatus | undefined): Level {
  if (status === 'major_outage') return 'danger';
  if (status === 'partial_outage') return 'warning';
  return 'ok';
}

function latestBefore<T>(list: Observation<T>[] | undefined, end: number, freshMs: number): T | undefined {
  if (!list) return undefined;
  for (let i = list.length - 1; i >= 0; i--) {
    const o = list[i]!;
    if (o.at >= end) continue;
    return o.at >= end - freshMs ? o.value : undefined;
  }
  return undefined;
}

function insert<T>(map: Map<string, Observation<T>[]>, serviceId: string, o: Observation<T>): void {
  let list = map.get(serviceId);
  if (!list) map.set(serviceId, (list = []));
  let i = list.length;
  while (i > 0 && list[i - 1]!.at > o.at) i--;
  list.splice(i, 0, o);
  if (list.length > MAX_PER_SERVICE) list.splice(0, list.length - MAX_PER_SERVICE);
}

export class ExternalEvidence {
  private official = new Map<string, Observation<OfficialStatus>[]>();
  private probes = new Map<string, Observation<boolean>[]>();
  private runs = new Map<string, { lastWindowStart: number; evidence: number }>();

  constructor(
    private readonly cfg: ExternalEvidenceConfig,
    private readonly windowMs: number,
  ) {}

  /** Takes an evidence signal; false (and nothing done) for a signal that is not one. */
  observe(s: SignalEvent): boolean {
    if (s.kind === 'official') {
      if (s.officialStatus !== undefined) insert(this.official, s.serviceId, { at: s.at, value: s.officialStatus });
      return true;
    }
    if (s.kind === 'probe') {
      insert(this.probes, s.serviceId, { at: s.at, value: s.outage });
      return true;
    }
    return false;
  }

  at(serviceId: string, windowEnd: number): EvidenceAt {
    return {
      official: latestBefore(this.official.get(serviceId), windowEnd, this.cfg.officialFreshMs),
      probeFailing: latestBefore(this.probes.get(serviceId), windowEnd, this.cfg.probeFreshMs) === true,
    };
  }

  /** Services with official evidence that raises their level in the window ending at windowEnd. */
  raisedByOfficial(windowEnd: number): string[] {
    const out: string[] = [];
    for (const id of this.official.keys()) if (officialFloor(this.at(id, windowEnd).official) !== 'ok') out.push(id);
    return out.sort();
  }

  /**
   * The window's level with the evidence applied (see the module comment). Windows of one service
   * must come in order: the crowd's run is followed here.
   */
  apply(score: ScoreEvent): ScoreEvent {
    const c = this.cfg;
    const e = evidenceFromScore(score.score);
    const unusual = e >= c.unusualLog10 && score.count >= c.minCount;
    const prev = this.runs.get(score.serviceId);
    const continues = prev !== undefined && prev.lastWindowStart === score.windowStart - this.windowMs;
    const runEvidence = unusual ? (continues ? prev.evidence : 0) + e : 0;
    if (unusual) this.runs.set(score.serviceId, { lastWindowStart: score.windowStart, evidence: runEvidence });
    else this.runs.delete(score.serviceId);

    const ev = this.at(score.serviceId, score.windowEnd);
    let level = score.level;
    const floor = officialFloor(ev.official);
    if (LEVEL_RANK[floor] > LEVEL_RANK[level]) level = floor;
    if (level === 'ok' && ev.probeFailing && unusual && runEvidence + c.probeLog10 >= c.warningLog10) level = 'warning';
    return level === score.level ? score : { ...score, level };
  }

  /** Drops observations that can no longer count for windows ending at or after `before` (they are stale there). */
  prune(before: number): void {
    const keep = <T>(map: Map<string, Observation<T>[]>, freshMs: number) => {
      for (const [id, list] of map) {
        const kept = list.filter((o) => o.at >= before - freshMs);
        if (kept.length === 0) map.delete(id);
        else map.set(id, kept);
      }
    };
    keep(this.official, this.cfg.officialFreshMs);
    keep(this.probes, this.cfg.probeFreshMs);
  }

  toJSON(): ExternalEvidenceState {
    return { official: [...this.official], probes: [...this.probes], runs: [...this.runs] };
  }

  restore(state: ExternalEvidenceState): void {
    this.official = new Map(state.official.map(([k, v]) => [k, [...v]]));
    this.probes = new Map(state.probes.map(([k, v]) => [k, [...v]]));
    this.runs = new Map(state.runs.map(([k, v]) => [k, { ...v }]));
  }

  get size(): number {
    return this.official.size + this.probes.size;
  }
}
