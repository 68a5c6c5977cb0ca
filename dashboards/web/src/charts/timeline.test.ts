import { describe, expect, it } from 'vitest';
import type { IncidentEvent, IncidentService } from '../../../../schemas/events/index';
import { CHANGE_DETECTORS, describeChange, describeFolded, describeMoves, prepareTimeline, type ChangeDetector } from './timeline';

const MIN = 60_000;
const T = Date.UTC(2021, 9, 4, 15, 40);
const NAMES: Record<string, string> = { facebook: 'Facebook', whatsapp: 'WhatsApp', instagram: 'Instagram', telegram: 'Telegram' };
const nameOf = (id: string) => NAMES[id] ?? id;

const s = (serviceId: string, role: IncidentService['role'], level: IncidentService['level'], peakCount = 10): IncidentService => ({ serviceId, role, level, peakScore: 0.9, peakCount });

let seq = 0;
function ev(type: IncidentEvent['type'], minute: number, level: IncidentEvent['level'], services: IncidentService[], summary = 'machine summary'): IncidentEvent {
  seq++;
  return { eventId: `inc:${seq}`, incidentId: 'inc', seq, type, at: T + minute * MIN, emittedAt: T + minute * MIN + 2000, level, startedAt: T, services, summary };
}

function metaStory(): IncidentEvent[] {
  seq = 0;
  return [
    ev('opened', 2, 'warning', [s('facebook', 'primary', 'warning')]),
    ev('updated', 3, 'danger', [s('facebook', 'primary', 'danger'), s('whatsapp', 'primary', 'warning')]),
    // peaks grow, nothing else: folded
    ev('updated', 8, 'danger', [s('facebook', 'primary', 'danger', 50), s('whatsapp', 'primary', 'warning', 20)]),
    ev('updated', 13, 'danger', [s('facebook', 'primary', 'danger', 90), s('whatsapp', 'primary', 'warning', 40)]),
    ev('updated', 15, 'danger', [s('facebook', 'primary', 'danger', 90), s('whatsapp', 'primary', 'danger', 40), s('telegram', 'collateral', 'warning')]),
    ev('updated', 200, 'danger', [s('facebook', 'primary', 'danger', 90), s('whatsapp', 'primary', 'ok', 40), s('telegram', 'collateral', 'ok')]),
    ev('resolved', 400, 'ok', [s('facebook', 'primary', 'ok', 90), s('whatsapp', 'primary', 'ok', 40), s('telegram', 'collateral', 'ok')]),
  ];
}

describe('prepareTimeline', () => {
  it('says what changed at each step and folds the events that only repeat the state', () => {
    const steps = prepareTimeline(metaStory());
    expect(steps.map((st) => [st.seq, st.changes.map((c) => c.kind), st.folded])).toEqual([
      [1, ['opened'], 0],
      [2, ['joined', 'level'], 2],
      [5, ['joined', 'level'], 0],
      [6, ['level', 'level'], 0],
      [7, ['resolved'], 0],
    ]);
    expect(steps[1]!.foldedUntil).toBe(T + 13 * MIN);
    expect(steps[1]!.changes).toEqual([
      { kind: 'joined', serviceId: 'whatsapp', role: 'primary', level: 'warning' },
      { kind: 'level', serviceId: 'facebook', role: 'primary', from: 'warning', to: 'danger' },
    ]);
    expect(steps[2]!.changes).toEqual([
      { kind: 'joined', serviceId: 'telegram', role: 'collateral', level: 'warning' },
      { kind: 'level', serviceId: 'whatsapp', role: 'primary', from: 'warning', to: 'danger' },
    ]);
    // A resolution lists no level changes (every service is ok by definition).
    expect(steps[4]).toMatchObject({ type: 'resolved', level: 'ok', changes: [{ kind: 'resolved' }], note: null });
  });

  it('takes events in seq order and counts a redelivered event once', () => {
    const events = metaStory();
    const shuffled = [events[3]!, events[0]!, events[6]!, events[1]!, events[5]!, events[4]!, events[2]!, events[1]!];
    expect(prepareTimeline(shuffled)).toEqual(prepareTimeline(events));
  });

  it('tells services leaving, changing role, and a merge noted by the detector', () => {
    seq = 0;
    const events = [
      ev('opened', 1, 'danger', [s('telegram', 'primary', 'danger')]),
      ev('updated', 2, 'danger', [s('telegram', 'collateral', 'danger'), s('facebook', 'primary', 'danger')]),
      ev('updated', 3, 'danger', [s('facebook', 'primary', 'danger')]),
      ev('resolved', 4, 'ok', [s('facebook', 'primary', 'ok')], 'telegram (ok); since 15:41; merged into inc-meta as collateral'),
    ];
    const steps = prepareTimeline(events);
    expect(steps[1]!.changes).toEqual([
      { kind: 'joined', serviceId: 'facebook', role: 'primary', level: 'danger' },
      { kind: 'role', serviceId: 'telegram', from: 'primary', to: 'collateral' },
    ]);
    expect(steps[2]!.changes).toEqual([{ kind: 'left', serviceId: 'telegram', role: 'collateral' }]);
    expect(steps[3]!.note).toBe('merged into inc-meta as collateral');
  });

  it('takes a new kind of step by adding a detector (say, an official acknowledgement)', () => {
    seq = 0;
    const events = metaStory();
    (events[2] as IncidentEvent & { acknowledgedBy?: string }).acknowledgedBy = 'Meta status page';
    const acknowledged: ChangeDetector = (previous, next) => {
      const by = (next as { acknowledgedBy?: string }).acknowledgedBy;
      return by && by !== (previous as { acknowledgedBy?: string } | null)?.acknowledgedBy ? [{ kind: 'resolved' }] : [];
    };
    const steps = prepareTimeline(events, [...CHANGE_DETECTORS, acknowledged]);
    // The event that was folded before is its own step now.
    expect(steps.map((st) => st.seq)).toEqual([1, 2, 3, 5, 6, 7]);
  });

  it('folds runs in which only collateral services came and went into one step with the net change', () => {
    seq = 0;
    const primaries = [s('facebook', 'primary', 'danger')];
    const tg = (level: IncidentService['level']) => s('telegram', 'collateral', level);
    const tw = (level: IncidentService['level']) => s('twitter', 'collateral', level);
    const events = [
      ev('opened', 1, 'danger', primaries),
      ev('updated', 5, 'danger', [...primaries, tw('warning')]),
      ev('updated', 10, 'danger', [...primaries, tw('warning'), tg('warning')]),
      // the refugees' traffic: telegram up and down, twitter back to normal
      ev('updated', 20, 'danger', [...primaries, tw('warning'), tg('ok')]),
      ev('updated', 25, 'danger', [...primaries, tw('ok'), tg('warning')]),
      ev('updated', 30, 'danger', [...primaries, tw('ok'), tg('warning')]),
      ev('updated', 35, 'danger', [...primaries, tw('ok'), tg('ok')]),
      ev('updated', 40, 'danger', [...primaries, tw('ok'), tg('warning')]),
      // a primary moves: a step of its own
      ev('updated', 50, 'warning', [s('facebook', 'primary', 'warning'), tw('ok'), tg('warning')]),
      ev('updated', 55, 'warning', [s('facebook', 'primary', 'warning'), tw('ok'), tg('ok')]),
      ev('resolved', 60, 'ok', [s('facebook', 'primary', 'ok'), tw('ok'), tg('ok')]),
    ];
    const steps = prepareTimeline(events);
    expect(steps.map((st) => [st.seq, st.changes.map((c) => `${c.kind}:${'serviceId' in c ? c.serviceId : ''}`), st.folded, st.moves])).toEqual([
      [1, ['opened:'], 0, []],
      [2, ['joined:twitter'], 0, []],
      [3, ['joined:telegram'], 0, []],
      // 20..40: five events; telegram ended where it was (warning) after moving four times, twitter went back to normal
      [4, ['level:twitter'], 4, [{ serviceId: 'telegram', role: 'collateral', times: 4 }]],
      [9, ['level:facebook'], 0, []],
      [10, ['level:telegram'], 0, []],
      [11, ['resolved:'], 0, []],
    ]);
    expect(steps[3]).toMatchObject({ at: T + 20 * MIN, foldedUntil: T + 40 * MIN, run: true });
    expect(steps[1]!.run).toBe(false);
    expect(steps[3]!.changes).toEqual([{ kind: 'level', serviceId: 'twitter', role: 'collateral', from: 'warning', to: 'ok' }]);
    expect(steps).toHaveLength(7); // 11 events
  });

  it('is empty without events', () => {
    expect(prepareTimeline([])).toEqual([]);
  });
});

describe('describeChange', () => {
  it('writes one sentence per change with the services\' names', () => {
    const steps = prepareTimeline(metaStory());
    const text = steps.map((st) => st.changes.map((c) => describeChange(c, nameOf)));
    expect(text).toEqual([
      ['Incident opened: Facebook (possible problems)'],
      ['WhatsApp joined (possible problems)', 'Facebook down'],
      ['Telegram joined as collateral (possible problems): its users are affected, it is not the cause', 'WhatsApp down'],
      ['WhatsApp back to normal', 'Telegram (collateral) back to normal'],
      ['Resolved: every primary service is back to normal'],
    ]);
    expect(describeChange({ kind: 'level', serviceId: 'facebook', role: 'primary', from: 'danger', to: 'warning' }, nameOf)).toBe('Facebook recovering (possible problems)');
    expect(describeChange({ kind: 'level', serviceId: 'telegram', role: 'collateral', from: 'ok', to: 'warning' }, nameOf)).toBe('Telegram (collateral): possible problems');
    expect(describeChange({ kind: 'role', serviceId: 'telegram', from: 'primary', to: 'collateral' }, nameOf)).toBe('Telegram is now counted as collateral');
    expect(describeChange({ kind: 'left', serviceId: 'telegram', role: 'collateral' }, nameOf)).toBe('Telegram left the incident');
    expect(describeChange({ kind: 'opened', level: 'danger', services: [s('facebook', 'primary', 'danger'), s('telegram', 'collateral', 'warning')] }, nameOf)).toBe(
      'Incident opened: Facebook (problems); collateral: Telegram',
    );
    expect(describeFolded({ folded: 1, run: false })).toMatch(/^1 more update without a change/);
    expect(describeFolded({ folded: 7, run: false })).toMatch(/^7 more updates without a change/);
    expect(describeFolded({ folded: 4, run: true })).toBe('5 updates in which only collateral services moved');
    expect(describeMoves({ serviceId: 'telegram', role: 'collateral', times: 6 }, nameOf)).toBe('Telegram (collateral) went up and down 6 times');
  });
});
