/**
 * IncidentManager: turns per-service levels into incidents with a lifecycle
 * (opened → updated … → resolved), stable ids and collateral marking.
 *
 * It consumes ScoreEvents, one batch per closed window, and nothing else; that is what lets it run
 * behind partitioned scorers (a grouping step reading downradar.scores) as well as inside one
 * detector. It is deterministic: the same score batches give the same incident events, ids and
 * sequence numbers, so a restarted detector re-emits exactly what it emitted before (consumers
 * deduplicate on eventId).
 *
 * Rules, applied per window to services that just left ok (onsets) and are not yet in an incident:
 * 1. Related to an open incident → joins it as primary. Strongly related (same family, or one
 *    depends on the other, directly or as its provider: instagram → facebook, netflix → aws) joins
 *    while the incident is open; weakly related (same provider or a shared dependency) joins when
 *    its onset is within correlationWindowMs of the incident's latest primary onset.
 * 2. Otherwise, unrelated to a big incident that is open (>= collateralMinPrimaries primaries; for
 *    telecom / ISP categories also any incident with a primary in danger), the spike is collateral:
 *    the refugees (twitter, telegram, signal) and users blaming their line. It joins the biggest.
 * 3. Otherwise it opens a new incident: id `inc-<family or service>-<yyyymmddHHMM of startedAt>`,
 *    startedAt = the first unusual window of the service's episode.
 * Onsets of non-telecom services are handled first, each group in service-id order, so a family
 * spiking in one window forms its incident before the refugees of that same window are judged.
 * 4. Merge: a small incident that started within correlationWindowMs of a big one and is
 *    unrelated to it is absorbed as collateral (its own stream gets a final `resolved` event that
 *    says so). This catches refugees that spiked a minute before the family's second service.
 * 5. Resolve when every primary is ok (the scorer already waited resolveAfterMs). Collaterals that
 *    are still high are then ignored until they are ok again (no orphan incident from an aftershock).
 *
 * 6. Pooling: the evidence of the services of one provider or family (catalog: family, provider,
 *    dependsOn) is combined every window by Fisher's method: -log10 of the chi-square tail of
 *    2 ln 10 Σ E_i with 2m degrees of freedom over the m services of the group scored in the window,
 *    minus log10(number of groups) for having looked at every group. When it reaches warningLog10
 *    and two members or more are unusual, every unusual member is at warning in the incidents
 *    (its own score may still say ok): fifteen services of one CDN rising together are strong
 *    evidence even when each alone is weak. A pooled warning lapses after resolveWindows windows
 *    in which the service is not unusual.
 * 7. Roles from the catalog: an incident's cause is the provider, dependency or family that the
 *    most of its services share (the family wins a tie, then the key of the earliest member, then
 *    the alphabet); the services that have it are primary, the others collateral: a cloud that
 *    people only blamed, users blaming their ISP, the apps they fled to. The cause is re-decided
 *    as services join, and a changed role is announced. The event carries `provider`: the cause
 *    when the cause is a provider or dependency, else the provider every primary shares.
 *
 * Events: `opened` once; `updated` at once when a service joins, a primary's level changes or a
 * role changes, and otherwise at most every updateEveryMs while peaks grow or collaterals' levels
 * move; `resolved` once. eventId = id:seq.
 */
import type { IncidentEvent, IncidentService, Level, ScoreEvent } from '../../../../schemas/events/index';
import type { DetectorConfig, IncidentConfig } from './config';
import { lnGammaQ, LN10 } from './distributions';
import { evidenceFromScore, scoreFromEvidence } from './evidence';
import type { ServiceInfo, ServiceInfoLookup } from './facts';
import { utcMinuteStamp, utcMinuteText } from './time';

const LEVEL_RANK: Record<Level, number> = { ok: 0, warning: 1, danger: 2 };

interface Member {
  serviceId: string;
  role: 'primary' | 'collateral';
  level: Level;
  firstWarningAt?: number;
  firstDangerAt?: number;
  peakScore: number;
  peakCount: number;
  /** Window start at which it joined (its onset). */
  joinedAt: number;
}

interface Incident {
  id: string;
  seq: number;
  startedAt: number;
  key: string;
  family?: string;
  /** What its services share (rule 7), and whether that is a family or a provider / dependency. */
  cause?: string;
  causeKind?: 'family' | 'provider' | 'service';
  members: Member[];
  lastEmittedAt: number;
  lastPrimaryOnset: number;
  /** Set during a window: something an `updated` must announce now (a join, a primary's level). */
  changed: boolean;
  /** Something worth announcing at the slow cadence (peaks grew, a collateral's level moved). */
  dirty: boolean;
  isNew: boolean;
}

interface Tracked {
  level: Level;
  runStart: number | null;
  episodeStart: number | null;
  /** Warning from its group's pooled evidence (rule 6), and the windows since it was last unusual. */
  pooled?: boolean;
  pooledCalm?: number;
}

export interface IncidentManagerState {
  open: Incident[];
  tracked: [string, Tracked][];
  suppressed: string[];
}

export interface IncidentManagerOptions {
  config: IncidentConfig;
  serviceInfo: ServiceInfoLookup;
  /** Evidence (decades) at which a window is unusual: for startedAt and pooled members. */
  unusualLog10: number;
  /** Pooled evidence (decades) at which a group's unusual members are at warning. */
  warningLog10: number;
  /** Windows without being unusual after which a pooled warning lapses. */
  resolveWindows: number;
}

/** The options of a detector's IncidentManager, from its config. */
export function incidentManagerOptions(config: Pick<DetectorConfig, 'incidents' | 'levels' | 'windowMs'>, serviceInfo: ServiceInfoLookup): IncidentManagerOptions {
  return {
    config: config.incidents,
    serviceInfo,
    unusualLog10: config.levels.unusualLog10,
    warningLog10: config.levels.warningLog10,
    resolveWindows: Math.max(1, Math.ceil(config.levels.resolveAfterMs / config.windowMs)),
  };
}

/** -log10 of Fisher's combined p-value for m evidences (decades) that add up to `sum`: chi-square tail, 2m degrees of freedom. */
export function fisherEvidence(sum: number, m: number): number {
  if (!(sum > 0) || m < 1) return 0;
  const ln = lnGammaQ(m, sum * LN10);
  return ln >= 0 ? 0 : -ln / LN10;
}

export interface IncidentView {
  id: string;
  startedAt: number;
  level: Level;
  services: IncidentService[];
}

const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class IncidentManager {
  private open: Incident[] = [];
  private tracked = new Map<string, Tracked>();
  private suppressed = new Set<string>();
  private readonly memberOf = new Map<string, Incident>();
  private readonly cfg: IncidentConfig;
  private readonly info: ServiceInfoLookup;
  private readonly unusualScore: number;
  private readonly unusualLog10: number;
  private readonly warningLog10: number;
  private readonly resolveWindows: number;
  private readonly collateralCategories: Set<string>;

  constructor(opts: IncidentManagerOptions) {
    this.cfg = opts.config;
    this.info = opts.serviceInfo;
    this.unusualLog10 = opts.unusualLog10;
    this.unusualScore = scoreFromEvidence(opts.unusualLog10);
    this.warningLog10 = opts.warningLog10;
    this.resolveWindows = opts.resolveWindows;
    this.collateralCategories = new Set(opts.config.collateralCategories);
  }

  /** Keys a service can share with others (rule 6 and 7): its family, provider and dependencies. */
  private groupKeys(s: ServiceInfo): string[] {
    const keys: string[] = [];
    if (s.family) keys.push(s.family);
    if (s.provider && !keys.includes(s.provider)) keys.push(s.provider);
    for (const d of s.dependsOn ?? []) if (!keys.includes(d)) keys.push(d);
    return keys;
  }

  /** Keys for the cause (rule 7): the group keys and the service itself. */
  private causeKeys(s: ServiceInfo): string[] {
    const keys = this.groupKeys(s);
    if (!keys.includes(s.id)) keys.push(s.id);
    return keys;
  }

  /**
   * Rule 6: services whose group's pooled evidence reaches the warning line this window and that
   * are unusual themselves.
   */
  private pooledThisWindow(scores: readonly ScoreEvent[]): Set<string> {
    const groups = new Map<string, { sum: number; m: number; unusual: string[] }>();
    for (const s of scores) {
      const e = evidenceFromScore(s.score);
      for (const key of this.groupKeys(this.infoOf(s.serviceId))) {
        let g = groups.get(key);
        if (g === undefined) groups.set(key, (g = { sum: 0, m: 0, unusual: [] }));
        g.sum += Number.isFinite(e) ? e : 1e6;
        g.m++;
        if (e >= this.unusualLog10) g.unusual.push(s.serviceId);
      }
    }
    const out = new Set<string>();
    let tested = 0;
    for (const g of groups.values()) if (g.m >= 2) tested++;
    const penalty = Math.log10(Math.max(1, tested));
    for (const g of groups.values()) {
      if (g.m < 2 || g.unusual.length < 2) continue;
      if (fisherEvidence(g.sum, g.m) - penalty >= this.warningLog10) for (const id of g.unusual) out.add(id);
    }
    return out;
  }

  /** Rule 7: the cause of an incident and the role it gives each member; true when a role changed. */
  private assignRoles(inc: Incident): boolean {
    const counts = new Map<string, { n: number; first: number; family: boolean }>();
    for (const m of inc.members) {
      const info = this.infoOf(m.serviceId);
      for (const key of this.causeKeys(info)) {
        const c = counts.get(key) ?? { n: 0, first: Infinity, family: false };
        c.n++;
        c.first = Math.min(c.first, m.joinedAt);
        if (info.family === key) c.family = true;
        counts.set(key, c);
      }
    }
    let cause: string | undefined;
    let best: { n: number; first: number; family: boolean } | undefined;
    for (const [key, c] of [...counts].sort((a, b) => cmpStr(a[0], b[0]))) {
      if (
        best === undefined ||
        c.n > best.n ||
        (c.n === best.n && c.family && !best.family) ||
        (c.n === best.n && c.family === best.family && c.first < best.first)
      ) {
        cause = key;
        best = c;
      }
    }
    if (cause === undefined || best === undefined) return false;
    inc.cause = cause;
    inc.causeKind = best.family ? 'family' : inc.members.some((m) => m.serviceId === cause) && best.n === 1 ? 'service' : 'provider';
    let changed = false;
    for (const m of inc.members) {
      const role: Member['role'] = this.causeKeys(this.infoOf(m.serviceId)).includes(cause) ? 'primary' : 'collateral';
      if (m.role !== role) {
        m.role = role;
        changed = true;
      }
    }
    if (!inc.members.some((m) => m.role === 'primary')) {
      // Nothing shares a cause beyond itself: the earliest member is the incident.
      const first = [...inc.members].sort((a, b) => a.joinedAt - b.joinedAt || cmpStr(a.serviceId, b.serviceId))[0]!;
      first.role = 'primary';
      changed = true;
    }
    for (const m of inc.members) if (m.role === 'primary') inc.lastPrimaryOnset = Math.max(inc.lastPrimaryOnset, m.joinedAt);
    return changed;
  }

  private infoOf(id: string): ServiceInfo {
    return this.info(id) ?? { id };
  }

  /** Infrastructure keys of a service: itself, its provider, what it depends on. */
  private infra(s: ServiceInfo): Set<string> {
    const keys = new Set<string>([s.id]);
    if (s.provider) keys.add(s.provider);
    for (const d of s.dependsOn ?? []) keys.add(d);
    return keys;
  }

  /**
   * How `a` relates to `b`: 'strong' = same family, or one depends on the other (directly or as
   * the other's provider); 'weak' = they share a provider or a dependency; 'none'.
   */
  private relation(a: ServiceInfo, b: ServiceInfo): 'strong' | 'weak' | 'none' {
    if (a.family && a.family === b.family) return 'strong';
    if (a.provider === b.id || b.provider === a.id) return 'strong';
    if ((a.dependsOn ?? []).includes(b.id) || (b.dependsOn ?? []).includes(a.id)) return 'strong';
    const ka = this.infra(a);
    ka.delete(a.id);
    const kb = this.infra(b);
    kb.delete(b.id);
    for (const k of kb) if (ka.has(k)) return 'weak';
    return 'none';
  }

  private primaries(inc: Incident): Member[] {
    return inc.members.filter((m) => m.role === 'primary');
  }

  /** Strongest relation of `s` to any primary of the incident. */
  private relationTo(s: ServiceInfo, inc: Incident): 'strong' | 'weak' | 'none' {
    let best: 'strong' | 'weak' | 'none' = 'none';
    for (const p of this.primaries(inc)) {
      const r = this.relation(s, this.infoOf(p.serviceId));
      if (r === 'strong') return r;
      if (r === 'weak') best = r;
    }
    return best;
  }

  /** Rule 1: does `s` join the incident as a primary at `windowStart`? */
  private joinsAsPrimary(s: ServiceInfo, inc: Incident, windowStart: number): boolean {
    const r = this.relationTo(s, inc);
    return r === 'strong' || (r === 'weak' && windowStart - inc.lastPrimaryOnset <= this.cfg.correlationWindowMs);
  }

  private isCollateralCategory(s: ServiceInfo): boolean {
    return !!s.category && this.collateralCategories.has(s.category);
  }

  /** Can this incident absorb spikes of `s` as collateral? (rule 2) */
  private attracts(inc: Incident, s: ServiceInfo): boolean {
    const prim = this.primaries(inc);
    if (prim.length >= this.cfg.collateralMinPrimaries) return true;
    return this.isCollateralCategory(s) && prim.some((p) => p.level === 'danger');
  }

  private biggest(candidates: Incident[]): Incident | undefined {
    let best: Incident | undefined;
    for (const inc of candidates) {
      if (
        best === undefined ||
        this.primaries(inc).length > this.primaries(best).length ||
        (this.primaries(inc).length === this.primaries(best).length && (inc.startedAt < best.startedAt || (inc.startedAt === best.startedAt && inc.id < best.id)))
      ) {
        best = inc;
      }
    }
    return best;
  }

  private newMember(score: ScoreEvent, role: Member['role'], windowStart: number): Member {
    const m: Member = { serviceId: score.serviceId, role, level: 'ok', peakScore: 0, peakCount: 0, joinedAt: windowStart };
    this.applyScore(m, score);
    return m;
  }

  /** Updates a member from its window score; true when its level changed. */
  private applyScore(m: Member, s: ScoreEvent): { levelChanged: boolean; peakGrew: boolean } {
    const levelChanged = m.level !== s.level;
    m.level = s.level;
    if (s.level !== 'ok' && m.firstWarningAt === undefined) m.firstWarningAt = s.windowStart;
    if (s.level === 'danger' && m.firstDangerAt === undefined) m.firstDangerAt = s.windowStart;
    let peakGrew = false;
    if (s.score > m.peakScore) {
      m.peakScore = s.score;
      peakGrew = true;
    }
    if (s.count > m.peakCount) {
      m.peakCount = s.count;
      peakGrew = true;
    }
    return { levelChanged, peakGrew };
  }

  private join(inc: Incident, m: Member): void {
    inc.members.push(m);
    this.memberOf.set(m.serviceId, inc);
    if (m.role === 'primary') inc.lastPrimaryOnset = Math.max(inc.lastPrimaryOnset, m.joinedAt);
    inc.changed = true;
  }

  /**
   * One closed window: the scores of every service for [windowStart, windowEnd).
   * Returns the incident events it causes, ordered by incident id.
   */
  processWindow(windowStart: number, windowEnd: number, scores: readonly ScoreEvent[], nowMs: number): IncidentEvent[] {
    const pooledNow = this.pooledThisWindow(scores);
    const sorted = [...scores].sort((a, b) => cmpStr(a.serviceId, b.serviceId));
    const onsets: { score: ScoreEvent; info: ServiceInfo; startedAt: number }[] = [];
    const closing: IncidentEvent[] = [];

    for (const raw of sorted) {
      const t = this.tracked.get(raw.serviceId) ?? { level: 'ok' as Level, runStart: null, episodeStart: null };
      // Rule 6: a pooled warning lifts a service its own score leaves at ok; it holds while the
      // service stays unusual, lapses after resolveWindows without, and gives way to its own level.
      if (raw.level !== 'ok') {
        t.pooled = false;
        t.pooledCalm = 0;
      } else if (pooledNow.has(raw.serviceId)) {
        t.pooled = true;
        t.pooledCalm = 0;
      } else if (t.pooled) {
        t.pooledCalm = raw.score >= this.unusualScore ? 0 : (t.pooledCalm ?? 0) + 1;
        if (t.pooledCalm >= this.resolveWindows) {
          t.pooled = false;
          t.pooledCalm = 0;
        }
      }
      const s: ScoreEvent = t.pooled && raw.level === 'ok' ? { ...raw, level: 'warning' } : raw;
      if (s.score >= this.unusualScore) t.runStart ??= s.windowStart;
      else t.runStart = null;
      if (t.level === 'ok' && s.level !== 'ok') t.episodeStart = t.runStart ?? s.windowStart;
      if (s.level === 'ok') t.episodeStart = null;
      t.level = s.level;
      if (t.level === 'ok' && t.runStart === null && !t.pooled) this.tracked.delete(s.serviceId);
      else this.tracked.set(s.serviceId, t);

      const inc = this.memberOf.get(s.serviceId);
      if (inc !== undefined) {
        const m = inc.members.find((x) => x.serviceId === s.serviceId)!;
        const r = this.applyScore(m, s);
        if (r.levelChanged && m.role === 'primary') inc.changed = true;
        else if (r.levelChanged || r.peakGrew) inc.dirty = true;
        continue;
      }
      if (this.suppressed.has(s.serviceId)) {
        if (s.level === 'ok') this.suppressed.delete(s.serviceId);
        continue;
      }
      if (s.level !== 'ok') onsets.push({ score: s, info: this.infoOf(s.serviceId), startedAt: t.episodeStart ?? s.windowStart });
    }

    // Rules 1-3, family-like services before telecom, each in id order.
    onsets.sort((a, b) => Number(this.isCollateralCategory(a.info)) - Number(this.isCollateralCategory(b.info)) || cmpStr(a.score.serviceId, b.score.serviceId));
    for (const o of onsets) {
      const byAge = [...this.open].sort((a, b) => a.startedAt - b.startedAt || cmpStr(a.id, b.id));
      const related = byAge.find((inc) => this.joinsAsPrimary(o.info, inc, windowStart));
      if (related !== undefined) {
        this.join(related, this.newMember(o.score, 'primary', windowStart));
        continue;
      }
      const host = this.biggest(byAge.filter((inc) => this.relationTo(o.info, inc) === 'none' && this.attracts(inc, o.info)));
      if (host !== undefined) {
        this.join(host, this.newMember(o.score, 'collateral', windowStart));
        continue;
      }
      const key = o.info.family || o.info.id;
      let id = `inc-${key}-${utcMinuteStamp(o.startedAt)}`;
      if (this.open.some((i) => i.id === id)) id = `${id}-${o.info.id}`;
      const inc: Incident = {
        id,
        seq: 0,
        startedAt: o.startedAt,
        key,
        members: [],
        lastEmittedAt: windowEnd,
        lastPrimaryOnset: windowStart,
        changed: true,
        dirty: false,
        isNew: true,
      };
      if (o.info.family) inc.family = o.info.family;
      this.open.push(inc);
      this.join(inc, this.newMember(o.score, 'primary', windowStart));
    }

    // Rule 4: absorb small unrelated incidents that started next to a big one.
    const byAge = [...this.open].sort((a, b) => a.startedAt - b.startedAt || cmpStr(a.id, b.id));
    for (const big of byAge) {
      if (!this.open.includes(big)) continue;
      for (const small of byAge) {
        if (small === big || !this.open.includes(small)) continue;
        const smallPrimaries = this.primaries(small);
        if (smallPrimaries.length >= this.primaries(big).length) continue;
        if (Math.abs(small.startedAt - big.startedAt) > this.cfg.correlationWindowMs) continue;
        const infos = smallPrimaries.map((p) => this.infoOf(p.serviceId));
        if (infos.some((i) => this.relationTo(i, big) !== 'none' || !this.attracts(big, i))) continue;
        for (const m of small.members) {
          m.role = 'collateral';
          this.join(big, m);
        }
        this.open = this.open.filter((i) => i !== small);
        if (!small.isNew) {
          small.seq++;
          closing.push(this.toEvent(small, 'resolved', windowEnd, nowMs, `merged into ${big.id} as collateral`));
        }
      }
    }

    // Rule 7: roles from the cause.
    for (const inc of this.open) if (this.assignRoles(inc)) inc.changed = true;

    // Rule 5: resolve.
    for (const inc of [...this.open]) {
      if (this.primaries(inc).some((p) => p.level !== 'ok')) continue;
      this.open = this.open.filter((i) => i !== inc);
      for (const m of inc.members) {
        this.memberOf.delete(m.serviceId);
        if (m.role === 'collateral' && m.level !== 'ok') this.suppressed.add(m.serviceId);
      }
      if (!inc.isNew) {
        inc.seq++;
        closing.push(this.toEvent(inc, 'resolved', windowEnd, nowMs));
      }
    }

    const events: IncidentEvent[] = [...closing];
    for (const inc of this.open) {
      let type: IncidentEvent['type'] | undefined;
      if (inc.isNew) type = 'opened';
      else if (inc.changed) type = 'updated';
      else if (inc.dirty && windowEnd - inc.lastEmittedAt >= this.cfg.updateEveryMs) type = 'updated';
      if (type !== undefined) {
        inc.seq++;
        inc.lastEmittedAt = windowEnd;
        inc.dirty = false;
        events.push(this.toEvent(inc, type, windowEnd, nowMs));
      }
      inc.changed = false;
      inc.isNew = false;
    }
    events.sort((a, b) => cmpStr(a.incidentId, b.incidentId) || a.seq - b.seq);
    return events;
  }

  private incidentLevel(inc: Incident): Level {
    let best: Level = 'ok';
    for (const p of this.primaries(inc)) if (LEVEL_RANK[p.level] > LEVEL_RANK[best]) best = p.level;
    return best;
  }

  private toEvent(inc: Incident, type: IncidentEvent['type'], at: number, nowMs: number, note?: string): IncidentEvent {
    const services: IncidentService[] = inc.members.map((m) => {
      const s: IncidentService = { serviceId: m.serviceId, role: m.role, level: m.level, peakScore: m.peakScore, peakCount: m.peakCount };
      if (m.firstWarningAt !== undefined) s.firstWarningAt = m.firstWarningAt;
      if (m.firstDangerAt !== undefined) s.firstDangerAt = m.firstDangerAt;
      return s;
    });
    services.sort((a, b) => Number(a.role === 'collateral') - Number(b.role === 'collateral') || cmpStr(a.serviceId, b.serviceId));
    const level = type === 'resolved' ? 'ok' : this.incidentLevel(inc);
    const ev: IncidentEvent = {
      eventId: `${inc.id}:${inc.seq}`,
      incidentId: inc.id,
      seq: inc.seq,
      type,
      at,
      emittedAt: nowMs,
      level,
      startedAt: inc.startedAt,
      services,
      summary: this.summary(inc, type, at, services, note),
    };
    if (type === 'resolved') ev.resolvedAt = at;
    if (inc.family !== undefined) ev.family = inc.family;
    let provider: string | undefined;
    if (inc.causeKind === 'provider') provider = inc.cause;
    else {
      const providers = new Set(services.filter((s) => s.role === 'primary').map((s) => this.infoOf(s.serviceId).provider ?? undefined));
      provider = providers.size === 1 ? [...providers][0] : undefined;
    }
    if (provider) ev.provider = provider;
    return ev;
  }

  private summary(inc: Incident, type: IncidentEvent['type'], at: number, services: IncidentService[], note?: string): string {
    const list = (role: string) =>
      services
        .filter((s) => s.role === role)
        .map((s) => `${s.serviceId} (${s.level})`)
        .join(', ');
    const primaries = list('primary');
    const collateral = list('collateral');
    let text = `${inc.family ? `${inc.family}: ` : ''}${primaries}${collateral ? `; collateral: ${collateral}` : ''}; since ${utcMinuteText(inc.startedAt)}`;
    if (type === 'resolved') text += `; resolved ${utcMinuteText(at)} after ${Math.round((at - inc.startedAt) / 60_000)} min`;
    if (note) text += `; ${note}`;
    return text.length > 1000 ? `${text.slice(0, 997)}...` : text;
  }

  /** Open incidents, for dashboards and tests. */
  openIncidents(): IncidentView[] {
    return this.open.map((inc) => ({
      id: inc.id,
      startedAt: inc.startedAt,
      level: this.incidentLevel(inc),
      services: inc.members.map((m) => ({ serviceId: m.serviceId, role: m.role, level: m.level, peakScore: m.peakScore, peakCount: m.peakCount })),
    }));
  }

  toJSON(): IncidentManagerState {
    return {
      open: this.open.map((i) => ({ ...i, members: i.members.map((m) => ({ ...m })) })),
      tracked: [...this.tracked].map(([k, v]) => [k, { ...v }]),
      suppressed: [...this.suppressed],
    };
  }

  restore(s: IncidentManagerState): void {
    this.open = s.open.map((i) => ({ ...i, members: i.members.map((m) => ({ ...m })) }));
    this.tracked = new Map(s.tracked.map(([k, v]) => [k, { ...v }]));
    this.suppressed = new Set(s.suppressed);
    this.memberOf.clear();
    for (const inc of this.open) for (const m of inc.members) this.memberOf.set(m.serviceId, inc);
  }
}
