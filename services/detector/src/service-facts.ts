/**
 * The facts the pure core asks for (core/facts.ts), built from the service catalog and the text
 * understanding: which family / provider / category a service has and its prior, and which
 * service a hashtag is about. The core stays free of files and libraries; this is where they meet.
 */
import type { Catalog } from '../../../schemas/catalog/index';
// The service index alone, not the package's index: that one loads the whole text understanding
// (lexicons, language detection, natural's classifiers), which the detector never uses and which
// cost about half a second of CPU at every start.
import { buildServiceIndex } from '@downradar/nlp/service-index';
import { foldText } from '@downradar/nlp/text-tokens';
import type { HashtagInfo, HashtagLookup, ServiceInfoLookup } from './core/facts';

/** Catalog entries already have the ServiceInfo shape. */
export function serviceInfoLookup(catalog: Catalog): ServiceInfoLookup {
  return (id) => catalog.get(id);
}

/**
 * Hashtag -> service, for trends. Catalog hashtags first (#facebookdown -> facebook, says down);
 * then what the NLP's service index reads into a hashtag the catalog does not list
 * (#whatsappcaido, #deletefacebook, #instagram). Signals carry hashtags lower case without '#'.
 *
 * Called only for the few hashtags a window reports (at most trends.maxPerWindow), so it needs no
 * cache; a cache would also have to be bounded against a million distinct hashtags an hour.
 */
export function hashtagLookup(catalog: Catalog): HashtagLookup {
  const index = buildServiceIndex(catalog);
  return (hashtag: string): HashtagInfo | undefined => {
    const reading = index.readHashtag(foldText(hashtag));
    if (reading === null) return undefined;
    return { serviceId: reading.service.id, outage: reading.saysDown };
  };
}
