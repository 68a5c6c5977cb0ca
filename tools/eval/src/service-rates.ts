/**
 * The true rates a labelled service's counts follow, per detector window, straight from the
 * scenario (the generator draws each epoch minute's events as Poisson with these means). Pure.
 *
 * What counts is what the detector counts (core/detector.ts): every report and every post with
 * outage intent about the service. So the normal rate is the service's normal report stream plus
 * its everyday outage complaints, and the outage adds the incident's report and outage-post
 * streams for that service. Two idealisations, both in the oracle's favour (its delay can only be
 * shorter than a test on the detector's actual counts): every outage post is assumed understood
 * and attributed, and repeated reports are not removed (the detector counts the first report per
 * reporter per 15 minutes; the shipped scenarios make at most 12% of reports repeats).
 */
import { compilePlan, MINUTE_MS, streamRate, type Stream } from '@downradar/replay';
import type { Labels, Scenario } from '../../../schemas/scenario/index';
import { AFTER_END_MS, parseUtcMs } from './evaluate';

export interface ServiceRatePath {
  incidentId: string;
  serviceId: string;
  role: 'primary' | 'collateral';
  onset: number;
  end: number;
  /** Start of the detector window holding the onset (epoch ms, whole minutes). */
  firstWindowStart: number;
  /** Where the onset falls inside that window, 0 .. 1 of a window. */
  onsetOffset: number;
  /** Expected count in the onset window without the outage. */
  normalPerWindow: number;
  /** Expected count per window from the onset window on, outage included, until the label's end + AFTER_END_MS. */
  rates: Float64Array;
  /** Largest expected count in `rates`. */
  peakPerWindow: number;
}

const counted = (s: Stream) => s.isReport || s.intent === 'outage';

/** One path per labelled service of every labelled incident, at this scale. Windows are one minute. */
export function ratePaths(scenario: Scenario, labels: Labels, scale: number): ServiceRatePath[] {
  const plan = compilePlan(scenario, { scale });
  const paths: ServiceRatePath[] = [];
  for (const incident of labels.incidents) {
    for (const ls of incident.services) {
      const normal = plan.streams.filter((s) => s.serviceId === ls.serviceId && s.cause === null && counted(s));
      const outage = plan.streams.filter((s) => s.serviceId === ls.serviceId && s.cause === incident.id && counted(s));
      const rateAt = (streams: Stream[], minute: number) => streams.reduce((sum, s) => sum + streamRate(s, minute), 0) * plan.scale;
      const onset = parseUtcMs(ls.onset);
      const end = parseUtcMs(ls.end);
      const firstMinute = Math.floor(onset / MINUTE_MS);
      const lastMinute = Math.floor((end + AFTER_END_MS) / MINUTE_MS);
      const rates = new Float64Array(lastMinute - firstMinute + 1);
      let peak = 0;
      for (let i = 0; i < rates.length; i++) {
        rates[i] = rateAt(normal, firstMinute + i) + rateAt(outage, firstMinute + i);
        peak = Math.max(peak, rates[i]!);
      }
      paths.push({
        incidentId: incident.id,
        serviceId: ls.serviceId,
        role: ls.role,
        onset,
        end,
        firstWindowStart: firstMinute * MINUTE_MS,
        onsetOffset: (onset - firstMinute * MINUTE_MS) / MINUTE_MS,
        normalPerWindow: rateAt(normal, firstMinute),
        rates,
        peakPerWindow: peak,
      });
    }
  }
  return paths;
}
