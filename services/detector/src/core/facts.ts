/**
 * What the core needs to know about the world, injected as plain functions so that the core
 * depends on no file and no library: the consumer builds these from the catalog
 * (schemas/catalog/index.ts) and the text understanding (services/nlp).
 */

/** The catalog facts the detector uses. A catalog entry satisfies this shape as it is. */
export interface ServiceInfo {
  readonly id: string;
  /** "meta" for facebook, instagram, whatsapp, messenger: one company's services fail together. */
  readonly family?: string | null;
  /** Infrastructure it runs on ("aws", "meta"); services of one provider can fail together. */
  readonly provider?: string | null;
  /** "social", "messaging", "telecom"...: telecom spikes during a big outage are users blaming their line. */
  readonly category?: string | null;
  /** Services or providers it depends on (instagram → facebook, netflix → aws). */
  readonly dependsOn?: readonly string[] | null;
  /** Typical reports per minute: the prior of the baseline before there is history. */
  readonly baselinePerMinute?: number | null;
}

export type ServiceInfoLookup = (serviceId: string) => ServiceInfo | undefined;

/** What the text understanding can tell about a hashtag: the service it is about and whether it says "down". */
export interface HashtagInfo {
  readonly serviceId: string;
  readonly outage: boolean;
}

export type HashtagLookup = (hashtag: string) => HashtagInfo | undefined;

/** A lookup over a list of entries (for example `catalog.services`), for callers and tests. */
export function serviceInfoFrom(entries: Iterable<ServiceInfo>): ServiceInfoLookup {
  const byId = new Map<string, ServiceInfo>();
  for (const e of entries) byId.set(e.id, e);
  return (id) => byId.get(id);
}

export const noServiceInfo: ServiceInfoLookup = () => undefined;
export const noHashtagInfo: HashtagLookup = () => undefined;
