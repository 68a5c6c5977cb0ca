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
