/**
 * Ground truth, derived from a scenario rather than written by hand, so that it can never drift
 * from what the generator does: per incident service the onset (the envelope starts), the peak,
 * the end (the envelope is back to 0), the window in which the incident's reports at least equal
 * the normal reports (a detector can only see what stands out), the expected counts; which
 * services form one incident (the group) and why (family, provider); trends that are no incident;
 * services that should stay quiet.
 *
 * The committed <id>.labels.json files are this function's output (`npm run replay -- --write-labels`);
 * a unit test fails when one is stale.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Labels, LabelledIncident, LabelledService, NonIncident, Scenario } from '../../../schemas/scenario/index';
import { envelopeSpan, levelAt, type EnvelopeShape } from './envelope';
import { incidentEnvelopes, MINUTE_MS, trendEnvelope } from './plan';
import { buildWeekTable, minuteOfWeek } from './profile';
import { parseUtc, SCENARIO_DIR } from './scenario-loader';

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

function sortedCountries(weights: Record<string, number> | undefined): string[] {
  if (!weights) return [];
  return Object.entries(weights)
    .filter(([, w]) => w > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([c]) => c);
}

function peakMinute(shape: EnvelopeShape, span: { from: number; to: number }): { minute: number; level: number } {
  let best = { minute: span.from, level: -1 };
  for (let m = span.from; m < span.to; m++) {
    const level = levelAt(shape, m + 0.5);
    if (level > best.level) best = { minute: m, level };
  }
  return best;
}

export function deriveLabels(scenario: Scenario): Labels {
  const specs = new Map(scenario.services.map((s) => [s.id, s]));
  const weeks = new Map(
    scenario.services.map((s) => [s.id, buildWeekTable(scenario.profiles[s.profile]!, s.timezones ?? scenario.defaults.timezones)]),
  );
  const normalAt = (serviceId: string, epochMinute: number) =>
    specs.get(serviceId)!.baselinePerMinute * weeks.get(serviceId)![minuteOfWeek(epochMinute)]!;

  const incidents: LabelledIncident[] = [];
  const envelopes = incidentEnvelopes(scenario);
  for (const inc of scenario.incidents) {
    const services: LabelledService[] = [];
    let end = parseUtc(inc.start, 'start');
    for (const env of envelopes.filter((e) => e.incident === inc)) {
      const { spec, shape, span, amplitude } = env;
      const originMs = env.origin * MINUTE_MS;
      const minuteMs = (m: number) => originMs + m * MINUTE_MS;
      const peak = peakMinute(shape, span);
      let visibleFrom: number | undefined;
      let visibleUntil: number | undefined;
      let expected = 0;
      for (let m = span.from; m < span.to; m++) {
        const rate = amplitude * levelAt(shape, m + 0.5);
        expected += rate;
        if (rate > 0 && rate >= normalAt(spec.serviceId, Math.floor(env.origin) + m)) {
          visibleFrom ??= minuteMs(m);
          visibleUntil = minuteMs(m + 1);
        }
      }
      const svc = specs.get(spec.serviceId)!;
      const countries = sortedCountries(spec.countries ?? inc.countries ?? svc.countries ?? scenario.defaults.countries);
      services.push({
        serviceId: spec.serviceId,
        role: spec.role,
        onset: iso(minuteMs(span.from)),
        peak: iso(minuteMs(peak.minute)),
        end: iso(minuteMs(span.to)),
        ...(visibleFrom !== undefined ? { visibleFrom: iso(visibleFrom), visibleUntil: iso(visibleUntil!) } : {}),
        peakPerMinute: round(amplitude * peak.level),
        normalPerMinuteAtPeak: round(normalAt(spec.serviceId, Math.floor(env.origin) + peak.minute), 2),
        expectedReports: Math.round(expected),
        countries,
      });
      end = Math.max(end, minuteMs(span.to));
    }
    incidents.push({
      id: inc.id,
      group: inc.id,
      groupBy: inc.family ? 'family' : inc.provider ? 'provider' : 'single',
      ...(inc.family ? { family: inc.family } : {}),
      ...(inc.provider ? { provider: inc.provider } : {}),
      title: inc.title,
      start: inc.start,
      end: iso(end),
      services,
      hashtags: inc.hashtags.map((h) => h.tag),
    });
  }

  const nonIncidents: NonIncident[] = scenario.trends.map((t) => {
    const shape = trendEnvelope(t);
    const span = envelopeSpan(shape);
    const start = parseUtc(t.start, 'start');
    const peak = peakMinute(shape, span);
    return {
      id: t.id,
      kind: 'trend',
      hashtag: t.hashtag.tag,
      ...(t.serviceId ? { serviceId: t.serviceId } : {}),
      from: iso(start + span.from * MINUTE_MS),
      peak: iso(start + peak.minute * MINUTE_MS),
      to: iso(start + span.to * MINUTE_MS),
      expect: 'trend-without-incident',
      note: t.title,
    };
  });

  const busy = new Set<string>();
  for (const inc of scenario.incidents) for (const s of inc.services) busy.add(s.serviceId);
  for (const t of scenario.trends) if (t.serviceId) busy.add(t.serviceId);

  return {
    scenarioId: scenario.id,
    generatedBy: 'services/replay/src/labels.ts deriveLabels (npm run replay -- --write-labels); do not edit by hand',
    start: scenario.start,
    end: scenario.end,
    incidents,
    nonIncidents,
    quietServices: scenario.services.map((s) => s.id).filter((id) => !busy.has(id)),
  };
}

export function labelsFile(scenarioId: string): string {
  return join(SCENARIO_DIR, `${scenarioId}.labels.json`);
}

/** JSON with two-space indent, arrays of plain values on one line (country lists stay readable). */
export function formatJson(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) return JSON.stringify(value).replaceAll('","', '", "');
    const inner = indent + '  ';
    return `[\n${value.map((v) => inner + formatJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value && typeof value === 'object') {
    const inner = indent + '  ';
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

export function formatLabels(labels: Labels): string {
  return `${formatJson(labels)}\n`;
}

export function writeLabels(scenario: Scenario): string {
  const file = labelsFile(scenario.id);
  writeFileSync(file, formatLabels(deriveLabels(scenario)));
  return file;
}
