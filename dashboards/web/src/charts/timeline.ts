/**
 * An incident's timeline as what changed at each step, not as its events: the detector emits an
 * `updated` event whenever a peak grows or a collateral service's level moves, so a long incident
 * has dozens of events that each repeat the whole state (32 for the 2021 Meta outage). Each event
 * is compared with the one before by a list of change detectors; an event in which nothing
 * changed is folded into the step before, and runs of events where only collateral services came
 * and went are folded into one step with the net change.
 *
 * Adding a kind of step (say, the official acknowledgement that the live status-page sources will
 * put on incident events) is two edits: a detector in CHANGE_DETECTORS that reads the new field
 * and returns the new TimelineChange, and its sentence in describeChange (whose switch the
 * compiler checks for completeness). Nothing else here needs to know.
 */
import type { IncidentEvent, IncidentService, Level } from '../../../../schemas/events/index';

type Role = IncidentService['role'];

export type TimelineChange =
  /** the first event: the incident and the services it started with */
  | { kind: 'opened'; level: Level; services: { serviceId: string; role: Role; level: Level }[] }
  /** a service that was not in the previous event */
  | { kind: 'joined'; serviceId: string; role: Role; level: Level }
  /** a service that is no longer listed */
  | { kind: 'left'; serviceId: string; role: Role }
  /** primary became collateral or the other way round (incidents merged) */
  | { kind: 'role'; serviceId: string; from: Role; to: Role }
  /** a service's level went up or down */
  | { kind: 'level'; serviceId: string; role: Role; from: Level; to: Level }
  | { kind: 'resolved' };

export type ChangeKind = TimelineChange['kind'];

/** Compares an event with the previous one of the same incident (null for the first). */
export type ChangeDetector = (previous: IncidentEvent | null, next: IncidentEvent) => TimelineChange[];

const byId = (e: IncidentEvent | null) => new Map((e?.services ?? []).map((s) => [s.serviceId, s]));

export const detectOpened: ChangeDetector = (previous, next) =>
  previous === null ? [{ kind: 'opened', level: next.level, services: next.services.map((s) => ({ serviceId: s.serviceId, role: s.role, level: s.level })) }] : [];

export const detectMembership: ChangeDetector = (previous, next) => {
  if (previous === null) return [];
  const before = byId(previous);
  const after = byId(next);
  const out: TimelineChange[] = [];
  for (const s of next.services) if (!before.has(s.serviceId)) out.push({ kind: 'joined', serviceId: s.serviceId, role: s.role, level: s.level });
  for (const s of previous.services) if (!after.has(s.serviceId)) out.push({ kind: 'left', serviceId: s.serviceId, role: s.role });
  return out;
};

export const detectRoles: ChangeDetector = (previous, next) => {
  const before = byId(previous);
  const out: TimelineChange[] = [];
  for (const s of next.services) {
    const b = before.get(s.serviceId);
    if (b && b.role !== s.role) out.push({ kind: 'role', serviceId: s.serviceId, from: b.role, to: s.role });
  }
  return out;
};

export const detectLevels: ChangeDetector = (previous, next) => {
  if (previous === null || next.type === 'resolved') return [];
  const before = byId(previous);
  const out: TimelineChange[] = [];
  for (const s of next.services) {
    const b = before.get(s.serviceId);
    if (b && b.level !== s.level) out.push({ kind: 'level', serviceId: s.serviceId, role: s.role, from: b.level, to: s.level });
  }
  return out;
};

export const detectResolved: ChangeDetector = (_previous, next) => (next.type === 'resolved' ? [{ kind: 'resolved' }] : []);

/** Every kind of step, in the order a step lists its changes. */
export const CHANGE_DETECTORS: readonly ChangeDetector[] = [detectOpened, detectMembership, detectRoles, detectLevels, detectResolved];

export interface TimelineStep {
  /** event time of the step's (first) event */
  at: number;
  seq: number;
  type: IncidentEvent['type'];
  /** the incident's level after the step */
  level: Level;
  /**
   * What changed. For a step that folds a run of minor events, the net change over the run: a
   * collateral service that went up and down and ended where it started has none.
   */
  changes: TimelineChange[];
  /** true: the step is a run of events in which only collateral services moved */
  run: boolean;
  /** later events folded into this step (nothing worth telling, or the rest of a run) */
  folded: number;
  /** event time of the last folded event */
  foldedUntil: number | null;
  /** services whose level moved more than once within the step, and how often */
  moves: { serviceId: string; role: Role; times: number }[];
  /** the detector's note on a resolution ("merged into ... as collateral"), when it gave one */
  note: string | null;
}

/**
 * Whether a change alone makes a step of its own. Collateral services' levels come and go with
 * the refugees' traffic (Telegram went from warning to ok and back six times in the 2021 replay):
 * those moves are folded together between the steps that matter. Every other kind, including any
 * kind added later, is a step of its own.
 */
export function isMinorChange(c: TimelineChange): boolean {
  return c.kind === 'level' && c.role === 'collateral';
}

interface RawStep {
  event: IncidentEvent;
  changes: TimelineChange[];
}

/**
 * The incident's steps, oldest first. Events are taken in `seq` order (a redelivered event counts
 * once). An event with nothing to tell (a growing peak) is folded into the step before it; a run
 * of events in which only collateral services moved becomes one step with the net change.
 */
export function prepareTimeline(events: readonly IncidentEvent[], detectors: readonly ChangeDetector[] = CHANGE_DETECTORS): TimelineStep[] {
  const ordered = [...new Map(events.map((e) => [e.seq, e])).values()].sort((a, b) => a.seq - b.seq);
  const raw: RawStep[] = [];
  let previous: IncidentEvent | null = null;
  for (const event of ordered) {
    raw.push({ event, changes: detectors.flatMap((d) => d(previous, event)) });
    previous = event;
  }

  const steps: TimelineStep[] = [];
  let run: RawStep[] = [];
  const flushRun = () => {
    if (run.length === 0) return;
    const last = steps[steps.length - 1];
    const moving = run.filter((r) => r.changes.length > 0);
    if (moving.length === 0 && last) {
      // Nothing but repeats of the state: counted on the step before.
      last.folded += run.length;
      last.foldedUntil = run[run.length - 1]!.event.at;
      last.level = run[run.length - 1]!.event.level;
    } else {
      steps.push(foldRun(run));
    }
    run = [];
  };
  for (const r of raw) {
    const major = steps.length === 0 && run.length === 0 ? true : r.changes.some((c) => !isMinorChange(c));
    if (!major) {
      run.push(r);
      continue;
    }
    flushRun();
    steps.push({
      at: r.event.at,
      seq: r.event.seq,
      type: r.event.type,
      level: r.event.level,
      changes: r.changes,
      run: false,
      folded: 0,
      foldedUntil: null,
      moves: [],
      note: r.event.type === 'resolved' ? resolutionNote(r.event.summary) : null,
    });
  }
  flushRun();
  return steps;
}

/** One step for a run of minor events: each service's level before the run against after it. */
function foldRun(run: readonly RawStep[]): TimelineStep {
  const first = run[0]!;
  const lastEvent = run[run.length - 1]!.event;
  const net = new Map<string, Extract<TimelineChange, { kind: 'level' }>>();
  const times = new Map<string, { role: Role; times: number }>();
  for (const r of run) {
    for (const c of r.changes) {
      if (c.kind !== 'level') continue;
      const seen = net.get(c.serviceId);
      net.set(c.serviceId, { ...c, from: seen ? seen.from : c.from });
      const t = times.get(c.serviceId);
      times.set(c.serviceId, { role: c.role, times: (t?.times ?? 0) + 1 });
    }
  }
  return {
    at: first.event.at,
    seq: first.event.seq,
    type: first.event.type,
    level: lastEvent.level,
    changes: [...net.values()].filter((c) => c.from !== c.to),
    run: true,
    folded: run.length - 1,
    foldedUntil: run.length > 1 ? lastEvent.at : null,
    moves: [...times].filter(([, t]) => t.times > 1).map(([serviceId, t]) => ({ serviceId, role: t.role, times: t.times })),
    note: null,
  };
}

/** The detector appends "; merged into <id> as collateral" to a resolution that is a merge. */
function resolutionNote(summary: string): string | null {
  const m = /; (merged into [^;]+)$/.exec(summary);
  return m ? m[1]! : null;
}

const LEVEL_WORDS: Record<Level, string> = { ok: 'no problems', warning: 'possible problems', danger: 'problems' };
const RANK: Record<Level, number> = { ok: 0, warning: 1, danger: 2 };

/** "Facebook down", "Instagram: possible problems", "Messenger recovering (possible problems)", "Verizon back to normal". */
function levelSentence(name: string, from: Level, to: Level): string {
  if (to === 'danger') return `${name} down`;
  if (to === 'ok') return `${name} back to normal`;
  return RANK[to] > RANK[from] ? `${name}: possible problems` : `${name} recovering (possible problems)`;
}

/** One sentence per change, with the services' display names. */
export function describeChange(c: TimelineChange, nameOf: (id: string) => string): string {
  switch (c.kind) {
    case 'opened': {
      const primaries = c.services.filter((s) => s.role === 'primary').map((s) => `${nameOf(s.serviceId)} (${LEVEL_WORDS[s.level]})`);
      const collateral = c.services.filter((s) => s.role === 'collateral').map((s) => nameOf(s.serviceId));
      return `Incident opened: ${primaries.join(', ') || c.services.map((s) => nameOf(s.serviceId)).join(', ')}${collateral.length > 0 ? `; collateral: ${collateral.join(', ')}` : ''}`;
    }
    case 'joined':
      return c.role === 'collateral'
        ? `${nameOf(c.serviceId)} joined as collateral (${LEVEL_WORDS[c.level]}): its users are affected, it is not the cause`
        : `${nameOf(c.serviceId)} joined (${LEVEL_WORDS[c.level]})`;
    case 'left':
      return `${nameOf(c.serviceId)} left the incident`;
    case 'role':
      return c.to === 'collateral' ? `${nameOf(c.serviceId)} is now counted as collateral` : `${nameOf(c.serviceId)} is now counted as a primary service`;
    case 'level':
      return levelSentence(`${nameOf(c.serviceId)}${c.role === 'collateral' ? ' (collateral)' : ''}`, c.from, c.to);
    case 'resolved':
      return 'Resolved: every primary service is back to normal';
    default: {
      const unknown: never = c;
      return String(unknown);
    }
  }
}

/** "Telegram (collateral) moved 6 times: up and down with the refugees' traffic" */
export function describeMoves(m: TimelineStep['moves'][number], nameOf: (id: string) => string): string {
  return `${nameOf(m.serviceId)}${m.role === 'collateral' ? ' (collateral)' : ''} went up and down ${m.times} times`;
}

/** What a step folds: "5 updates in which only collateral services moved", "2 more updates without a change". */
export function describeFolded(step: Pick<TimelineStep, 'folded' | 'run'>): string {
  if (step.run) {
    const n = step.folded + 1;
    return `${n} ${n === 1 ? 'update' : 'updates'} in which only collateral services moved`;
  }
  const n = step.folded;
  return `${n} more ${n === 1 ? 'update' : 'updates'} without a change of level or services (peaks still growing)`;
}
