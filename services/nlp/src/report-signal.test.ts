import { describe, expect, it } from 'vitest';
import type { ReportEvent } from '../../../schemas/events/index';
import { loadLabelledSet } from './labelled-set';
import { tokenise } from './text-tokens';
import { createUnderstanding } from './understanding';

/** signalForReport reads hashtags only from texts that hold a '#': the same hashtags as tokenising every text. */
describe("a report's signal hashtags", () => {
  const understanding = createUnderstanding();
  const texts = [
    '',
    'app keeps crashing since this afternoon',
    'messages stuck #whatsappdown',
    '#',
    '##',
    'AT&T down #at&t #AT&Tdown',
    'Disney+ broken #disney+ #Disney+down',
    '#WhatsApp-Down since 3pm #whatsappdown #WHATSAPPDOWN',
    'ＷhatsApp ＃whatsappdown fullwidth sign',
    'LINEが使えない #LINE障害',
    '@facebook is down again, #facebookdown',
    'c# and f# developers',
    ...Object.values(loadLabelledSet()).flat().map((e) => e.text),
  ];
  const report = (text: string | undefined): ReportEvent => ({
    id: 'r-1',
    serviceId: 'whatsapp',
    problem: 'messaging',
    ...(text === undefined ? {} : { text }),
    at: 1_633_362_300_000,
    receivedAt: 1_633_362_300_500,
    reporterHash: 'h',
    source: 'api',
  });

  it('are those of the tokenised text, with or without a #, for every labelled text and the hard cases', () => {
    let withTags = 0;
    for (const text of texts) {
      const expected = tokenise(text).hashtags.slice(0, 50);
      if (expected.length > 0) withTags++;
      expect(understanding.signalForReport(report(text)).hashtags, text).toEqual(expected);
      if (!text.includes('#')) expect(expected, text).toEqual([]);
    }
    expect(withTags).toBeGreaterThan(5);
    expect(understanding.signalForReport(report(undefined)).hashtags).toEqual([]);
  });
});

/** A report's whole signal, keys in order: what the spread-built signal of before gave. */
describe("a report's signal", () => {
  const understanding = createUnderstanding();
  const before = (report: ReportEvent, hashtags: readonly string[]) => ({
    id: report.id,
    sourceId: report.id,
    serviceId: report.serviceId,
    kind: 'report',
    at: report.at,
    receivedAt: report.receivedAt,
    outage: true,
    problem: report.problem,
    confidence: 1,
    ...(report.country ? { country: report.country } : {}),
    reporterHash: report.reporterHash,
    hashtags,
    evidence: [`report button: ${report.problem}`],
  });
  it('has the fields, values and key order it had, with and without country and text, for every problem', () => {
    let n = 0;
    for (const problem of ['login', 'app', 'server_connection', 'messaging', 'website', 'other'] as const)
      for (const country of [undefined, '', 'US'])
        for (const text of [undefined, '', 'down #whatsappdown', 'no tags'])
          for (const receivedAt of [1_633_362_300_500, 0]) {
            const report = { id: `r-${n++}`, serviceId: 'whatsapp', problem, ...(text === undefined ? {} : { text }), ...(country === undefined ? {} : { country }), at: 1_633_362_300_000, receivedAt, reporterHash: 'h', source: 'api' } as ReportEvent;
            const got = understanding.signalForReport(report);
            expect(JSON.stringify(got)).toBe(JSON.stringify(before(report, text?.includes('#') ? tokenise(text).hashtags : [])));
            expect(Object.keys(got)).toEqual(Object.keys(before(report, [])));
          }
    // two signals never share an evidence list (a caller may change its own)
    const a = understanding.signalForReport({ id: 'a', serviceId: 'whatsapp', problem: 'app', at: 1, receivedAt: 1, reporterHash: 'h', source: 'api' });
    const b = understanding.signalForReport({ id: 'b', serviceId: 'whatsapp', problem: 'app', at: 1, receivedAt: 1, reporterHash: 'h', source: 'api' });
    expect(a.evidence).not.toBe(b.evidence);
  });
});
