import type { IncidentEvent } from '../../../schemas/events/index';
import type { Subscription } from './subscription';

/** An incident event as the detector emits it; override what a test is about. */
export function incidentEvent(over: Partial<IncidentEvent> = {}): IncidentEvent {
  const incidentId = over.incidentId ?? 'inc-20211004-meta';
  const seq = over.seq ?? 1;
  return {
    eventId: `${incidentId}:${seq}`,
    incidentId,
    seq,
    type: 'opened',
    at: 1_633_362_060_000,
    emittedAt: 1_633_362_065_000,
    level: 'danger',
    startedAt: 1_633_361_940_000,
    family: 'meta',
    provider: 'meta',
    services: [
      { serviceId: 'facebook', role: 'primary', level: 'danger', firstWarningAt: 1_633_361_940_000, firstDangerAt: 1_633_362_000_000, peakScore: 0.99, peakCount: 840 },
      { serviceId: 'whatsapp', role: 'primary', level: 'warning', firstWarningAt: 1_633_362_000_000, peakScore: 0.9, peakCount: 410 },
      { serviceId: 'twitter', role: 'collateral', level: 'warning', firstWarningAt: 1_633_362_000_000, peakScore: 0.8, peakCount: 120 },
    ],
    summary: 'Facebook and WhatsApp down; Twitter busy with the refugees',
    ...over,
  };
}

export function subscription(over: Partial<Subscription> = {}): Subscription {
  return { id: 'sub_testtesttest', url: 'http://127.0.0.1:9/hook', secret: 'whsec_0123456789abcdef', ...over };
}
