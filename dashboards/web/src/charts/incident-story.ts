/**
 * How an incident reads to a person: a headline ("Meta: Facebook, WhatsApp, Instagram and
 * Messenger down"), a subline (start, duration, how many services), the worst level it reached.
 * Pure, so every wording rule is unit tested; the pages only render the result.
 *
 * The detector's own `summary` is a machine list ("meta: facebook (ok), instagram (ok), ...; since
 * ...; resolved ... after 430 min") and is not shown as the headline.
 */
import type { IncidentSummary } from '../../../../schemas/api/index';
import type { IncidentService, Level } from '../../../../schemas/events/index';

/** Display names of the catalog's families (a family is a company, not a service of the catalog). */
const FAMILY_NAMES: Record<string, string> = {
  meta: 'Meta',
  bytedance: 'ByteDance',
  microsoft: 'Microsoft',
  tencent: 'Tencent',
  apple: 'Apple',
  google: 'Google',
  amazon: 'Amazon',
  sony: 'Sony',
  epic: 'Epic Games',
  nintendo: 'Nintendo',
  paypal: 'PayPal',
  block: 'Block',
  openai: 'OpenAI',
};

/** "Meta" for meta; an unknown family id is capitalised ("acme" -> "Acme"). */
export function familyName(family: string): string {
  return FAMILY_NAMES[family] ?? family.charAt(0).toUpperCase() + family.slice(1);
}

const RANK: Record<Level, number> = { ok: 0, warning: 1, danger: 2 };

/**
 * The provider column of an incident's services table: each service's provider from the catalog
 * (the incident event names one provider for the whole incident, not one per service), so that a
 * reader sees which of the services run on the incident's provider and which do not. null when no
 * service of the incident has one (the column is left out).
 */
export function serviceProviders(services: readonly Pick<IncidentService, 'serviceId'>[], catalogProvider: (serviceId: string) => string | null): Map<string, string | null> | null {
  const column = new Map(services.map((s) => [s.serviceId, catalogProvider(s.serviceId) || null]));
  return [...column.values()].some((p) => p !== null) ? column : null;
}

/** The worst level a service reached during the incident (its level now may be lower). */
export function servicePeakLevel(s: IncidentService): Level {
  if (s.firstDangerAt !== undefined || s.level === 'danger') return 'danger';
  if (s.firstWarningAt !== undefined || s.level === 'warning') return 'warning';
  return 'ok';
}

/**
 * The worst level the incident reached: the worst of its primary services (collateral ones do
 * not make an incident worse). A resolved incident's `level` is ok; this one stays what it was,
 * which is what its shading on a chart and its badge in a list should say.
 */
export function incidentPeakLevel(inc: Pick<IncidentSummary, 'level' | 'services'>): Level {
  let worst: Level = inc.level;
  const primaries = inc.services.filter((s) => s.role === 'primary');
  for (const s of primaries.length > 0 ? primaries : inc.services) {
    const l = servicePeakLevel(s);
    if (RANK[l] > RANK[worst]) worst = l;
  }
  return worst;
}

/** Primary services first, the hardest hit first (peak level, then peak reports, then name). */
export function orderServices(services: readonly IncidentService[], nameOf: (id: string) => string): IncidentService[] {
  return [...services].sort(
    (a, b) =>
      Number(a.role === 'collateral') - Number(b.role === 'collateral') ||
      RANK[servicePeakLevel(b)] - RANK[servicePeakLevel(a)] ||
      b.peakCount - a.peakCount ||
      nameOf(a.serviceId).localeCompare(nameOf(b.serviceId), 'en'),
  );
}

/** "A", "A and B", "A, B and C"; more than `max` names end with "and N more". */
export function listNames(names: readonly string[], max = 4): string {
  if (names.length === 0) return '';
  if (names.length > max) return `${names.slice(0, max - 1).join(', ')} and ${names.length - (max - 1)} more`;
  if (names.length === 1) return names[0]!;
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * "Meta: Facebook, WhatsApp, Instagram and Messenger down", "Signal: possible problems",
 * "Amazon Web Services: Netflix, Slack and Disney+ down". The prefix is the family (or, without
 * one, the shared provider) when it says more than the one service named.
 */
export function incidentHeadline(inc: Pick<IncidentSummary, 'level' | 'services' | 'family' | 'provider' | 'incidentId'>, nameOf: (id: string) => string): string {
  const primaries = orderServices(
    inc.services.filter((s) => s.role === 'primary'),
    nameOf,
  );
  const names = (primaries.length > 0 ? primaries : orderServices(inc.services, nameOf)).map((s) => nameOf(s.serviceId));
  if (names.length === 0) return `Incident ${inc.incidentId}`;
  const owner = inc.family ? familyName(inc.family) : inc.provider ? nameOf(inc.provider) : null;
  const prefix = owner && !(names.length === 1 && names[0] === owner) ? `${owner}: ` : '';
  const level = incidentPeakLevel(inc);
  if (level === 'danger') return `${prefix}${listNames(names)} down`;
  const what = `possible problems with ${listNames(names)}`;
  return prefix ? `${prefix}${what}` : what.charAt(0).toUpperCase() + what.slice(1);
}

export interface IncidentFacts {
  /** resolved, or still open at `asOf` */
  ongoing: boolean;
  startedAt: number;
  /** resolvedAt, or the moment the open incident is described at */
  endedAt: number;
  durationMs: number;
  primaries: number;
  collateral: number;
  /** "4 services down, 12 collateral", "1 service with problems" */
  affected: string;
}

/**
 * The subline's figures. An open incident lasts until `asOf`: the API's clock (the detector's
 * newest window, or the moment a board is looked at), never the viewer's wall clock, so a replayed
 * incident of 2021 does not last five years.
 */
export function incidentFacts(inc: Pick<IncidentSummary, 'level' | 'services' | 'startedAt' | 'resolvedAt' | 'lastEventAt'>, asOf: number): IncidentFacts {
  const ongoing = inc.resolvedAt === null;
  const endedAt = inc.resolvedAt ?? Math.max(asOf, inc.lastEventAt);
  const primaries = inc.services.filter((s) => s.role === 'primary').length;
  const collateral = inc.services.length - primaries;
  const state = incidentPeakLevel(inc) === 'danger' ? 'down' : 'with problems';
  const affected = `${primaries} ${primaries === 1 ? 'service' : 'services'} ${state}${collateral > 0 ? `, ${collateral} collateral` : ''}`;
  return { ongoing, startedAt: inc.startedAt, endedAt, durationMs: Math.max(0, endedAt - inc.startedAt), primaries, collateral, affected };
}
