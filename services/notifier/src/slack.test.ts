import { describe, expect, it } from 'vitest';
import { catalogLookupFrom } from './catalog-lookup';
import { escapeMrkdwn, slackBody } from './slack';
import { incidentEvent } from './test-fixtures';

const { nameOf } = catalogLookupFrom([
  { id: 'facebook', name: 'Facebook' },
  { id: 'whatsapp', name: 'WhatsApp' },
  { id: 'twitter', name: 'X (Twitter)' },
]);

describe('slack body', () => {
  it('says what is down, how bad, in text and blocks', () => {
    const b = slackBody(incidentEvent(), nameOf);
    expect(b.text).toBe(':red_circle: Outage detected: Facebook, WhatsApp (danger). Facebook and WhatsApp down; Twitter busy with the refugees');
    expect(b.blocks).toHaveLength(3);
    expect(b.blocks[1]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: '• *Facebook*: danger, peak 840 reports/min\n• *WhatsApp*: warning, peak 410 reports/min\n• *X (Twitter)* _(collateral)_: warning, peak 120 reports/min',
      },
    });
    expect(b.blocks[2]).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'incident `inc-20211004-meta` · event 1 · since 2021-10-04T15:39:00Z · family meta · provider meta' }],
    });
  });

  it('resolved is green and says when', () => {
    const b = slackBody(incidentEvent({ type: 'resolved', seq: 9, level: 'ok', resolvedAt: 1_633_387_200_000 }), nameOf);
    expect(b.text.startsWith(':large_green_circle: Outage resolved: Facebook, WhatsApp (resolved).')).toBe(true);
    expect(JSON.stringify(b.blocks[2])).toContain('resolved 2021-10-04T22:40:00Z');
  });

  it('escapes Slack control characters from the summary', () => {
    expect(escapeMrkdwn('<!channel> a & b')).toBe('&lt;!channel&gt; a &amp; b');
    const b = slackBody(incidentEvent({ summary: '<!channel> AT&T' }));
    expect(b.text).toContain('&lt;!channel&gt; AT&amp;T');
    expect(JSON.stringify(b.blocks)).not.toContain('<!channel>');
  });

  it('stays within Slack limits', () => {
    const b = slackBody(incidentEvent({ summary: 'x'.repeat(1000) }));
    expect(b.text.length).toBeLessThanOrEqual(3000);
  });
});
