import { describe, expect, it } from 'vitest';
import { catalogLookupFrom } from './catalog-lookup';
import { levelReached, matchesSubscription } from './filter';
import { incidentEvent, subscription } from './test-fixtures';

const { familyOf } = catalogLookupFrom([
  { id: 'facebook', name: 'Facebook', family: 'meta' },
  { id: 'whatsapp', name: 'WhatsApp', family: 'meta' },
  { id: 'twitter', name: 'X (Twitter)', family: null },
  { id: 'gmail', name: 'Gmail', family: 'google' },
]);
const match = (over: Parameters<typeof subscription>[0], ev = incidentEvent()) => matchesSubscription(subscription(over), ev, familyOf);

describe('subscription filters', () => {
  it('no filter: every event at warning or above', () => {
    expect(match({})).toBe(true);
    const quiet = incidentEvent({ level: 'ok', services: [{ serviceId: 'gmail', role: 'primary', level: 'ok', peakScore: 0.2, peakCount: 3 }] });
    expect(match({}, quiet)).toBe(false);
    expect(match({ minLevel: 'ok' }, quiet)).toBe(true);
  });

  it('by service', () => {
    expect(match({ services: ['whatsapp'] })).toBe(true);
    expect(match({ services: ['gmail'] })).toBe(false);
  });

  it('by family, from the catalog', () => {
    expect(match({ families: ['meta'] })).toBe(true);
    expect(match({ families: ['google'] })).toBe(false);
  });

  it('a service unknown to the catalog takes the incident family only when primary', () => {
    const ev = incidentEvent({ services: [{ serviceId: 'threads', role: 'primary', level: 'warning', peakScore: 0.7, peakCount: 40 }] });
    expect(match({ families: ['meta'] }, ev)).toBe(true);
    const collateral = incidentEvent({ services: [{ serviceId: 'telegram', role: 'collateral', level: 'danger', peakScore: 0.9, peakCount: 400 }] });
    expect(match({ families: ['meta'] }, collateral)).toBe(false);
  });

  it('by minimum level: the same service must pass every filter', () => {
    expect(match({ minLevel: 'danger' })).toBe(true); // facebook reached danger
    expect(match({ minLevel: 'danger', services: ['whatsapp'] })).toBe(false); // whatsapp only warning
    expect(match({ minLevel: 'danger', services: ['facebook', 'whatsapp'] })).toBe(true);
  });

  it('a danger incident still matches minLevel danger when it calms down and resolves', () => {
    const resolved = incidentEvent({
      type: 'resolved',
      seq: 5,
      level: 'ok',
      resolvedAt: 1_633_387_200_000,
      services: [{ serviceId: 'facebook', role: 'primary', level: 'ok', firstWarningAt: 1, firstDangerAt: 2, peakScore: 0.99, peakCount: 840 }],
    });
    expect(match({ minLevel: 'danger' }, resolved)).toBe(true);
    expect(levelReached(resolved.services[0]!)).toBe('danger');
  });

  it('by event type', () => {
    expect(match({ types: ['resolved'] })).toBe(false);
    expect(match({ types: ['opened', 'resolved'] })).toBe(true);
  });
});
