/**
 * The board's incident list: open incidents first, then the most recent ones, each with its
 * headline, worst level, start and duration. Pure; the board renders the rows.
 */
import type { IncidentSummary } from '../../../../schemas/api/index';
import type { Level } from '../../../../schemas/events/index';
import { incidentFacts, incidentHeadline, incidentPeakLevel, orderServices } from './incident-story';

export interface IncidentRow {
  incidentId: string;
  headline: string;
  /** the worst level it reached */
  level: Level;
  ongoing: boolean;
  startedAt: number;
  /** resolution, or the moment the list describes for an open one */
  endedAt: number;
  durationMs: number;
  /** primary services' names, hardest hit first */
  services: string[];
  collateral: number;
  affected: string;
}

export function prepareIncidentList(incidents: readonly IncidentSummary[], asOf: number, nameOf: (id: string) => string, limit = 8): IncidentRow[] {
  return incidents
    .map((inc) => {
      const facts = incidentFacts(inc, asOf);
      return {
        incidentId: inc.incidentId,
        headline: incidentHeadline(inc, nameOf),
        level: incidentPeakLevel(inc),
        ongoing: facts.ongoing,
        startedAt: inc.startedAt,
        endedAt: facts.endedAt,
        durationMs: facts.durationMs,
        services: orderServices(
          inc.services.filter((s) => s.role === 'primary'),
          nameOf,
        ).map((s) => nameOf(s.serviceId)),
        collateral: facts.collateral,
        affected: facts.affected,
      };
    })
    .sort((a, b) => Number(b.ongoing) - Number(a.ongoing) || b.startedAt - a.startedAt || (a.incidentId < b.incidentId ? -1 : 1))
    .slice(0, limit);
}
