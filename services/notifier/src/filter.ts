import { LEVELS, type IncidentEvent, type IncidentService, type Level } from '../../../schemas/events/index';
import type { Subscription } from './subscription';

/** The family of a catalog service (meta for facebook, ...), or undefined when it has none. */
export type FamilyOf = (serviceId: string) => string | undefined;

const rank = (l: Level) => LEVELS.indexOf(l);

/**
 * The highest level a service reached in the incident so far. A service that was at danger
 * and is now back to warning still counts as danger: a subscriber to danger incidents hears
 * how that incident goes on and when it resolves (a resolved event has level ok).
 */
export function levelReached(s: IncidentService): Level {
  if (s.firstDangerAt !== undefined || s.level === 'danger') return 'danger';
  if (s.firstWarningAt !== undefined || s.level === 'warning') return 'warning';
  return s.level;
}

/**
 * Whether a subscription wants this incident event. It does when the event's type is wanted and
 * at least one service of the incident passes every filter at once: listed in `services` (or
 * none listed), of a family in `families` (or none listed), and having reached `minLevel`
 * (default warning). A service's family comes from the catalog; a primary service the catalog
 * does not know takes the incident's family (collateral services are other families' refugees).
 */
export function matchesSubscription(sub: Subscription, event: IncidentEvent, familyOf: FamilyOf): boolean {
  if (sub.types && sub.types.length > 0 && !sub.types.includes(event.type)) return false;
  const services = sub.services ?? [];
  const families = sub.families ?? [];
  const min = rank(sub.minLevel ?? 'warning');
  return event.services.some((s) => {
    if (services.length > 0 && !services.includes(s.serviceId)) return false;
    if (families.length > 0) {
      const f = familyOf(s.serviceId) ?? (s.role === 'primary' ? event.family : undefined);
      if (f === undefined || !families.includes(f)) return false;
    }
    return rank(levelReached(s)) >= min;
  });
}
