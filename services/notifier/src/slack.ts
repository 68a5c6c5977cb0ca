import type { IncidentEvent } from '../../../schemas/events/index';

/**
 * A Slack-compatible body (`{text, blocks}`), accepted by Slack incoming webhooks and by the
 * many tools that copy their format (Mattermost, Rocket.Chat, Discord's /slack endpoint).
 * `text` is the whole message on its own (notifications, clients without blocks); blocks add
 * the per-service detail.
 */
export interface SlackBody {
  text: string;
  blocks: SlackBlock[];
}
export type SlackBlock =
  | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
  | { type: 'context'; elements: Array<{ type: 'mrkdwn'; text: string }> };

const ICON: Record<string, string> = {
  resolved: ':large_green_circle:',
  danger: ':red_circle:',
  warning: ':large_orange_circle:',
  ok: ':large_green_circle:',
};

/** Slack mrkdwn treats &, < and > as control characters. */
export function escapeMrkdwn(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

const clip = (s: string, n: number) => (s.length <= n ? s : s.slice(0, n - 1) + '…');
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

export function slackBody(event: IncidentEvent, nameOf: (serviceId: string) => string = (id) => id): SlackBody {
  const primary = event.services.filter((s) => s.role === 'primary');
  const names = (primary.length > 0 ? primary : event.services).map((s) => nameOf(s.serviceId));
  const icon = event.type === 'resolved' ? ICON.resolved : ICON[event.level];
  const what = event.type === 'opened' ? 'Outage detected' : event.type === 'updated' ? 'Outage update' : 'Outage resolved';
  const level = event.type === 'resolved' ? 'resolved' : event.level;
  const head = `${icon} ${what}: ${names.join(', ')} (${level})`;
  const text = clip(escapeMrkdwn(`${head}. ${event.summary}`), 3000);

  const lines = event.services.map((s) => {
    const role = s.role === 'collateral' ? ' _(collateral)_' : '';
    return `• *${escapeMrkdwn(nameOf(s.serviceId))}*${role}: ${s.level}, peak ${s.peakCount} reports/min`;
  });
  const since = `since ${iso(event.startedAt)}` + (event.resolvedAt !== undefined ? `, resolved ${iso(event.resolvedAt)}` : '');
  const meta = [
    `incident \`${escapeMrkdwn(event.incidentId)}\``,
    `event ${event.seq}`,
    since,
    ...(event.family ? [`family ${escapeMrkdwn(event.family)}`] : []),
    ...(event.provider ? [`provider ${escapeMrkdwn(event.provider)}`] : []),
  ].join(' · ');
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: clip(`*${escapeMrkdwn(head)}*\n${escapeMrkdwn(event.summary)}`, 3000) } },
      { type: 'section', text: { type: 'mrkdwn', text: clip(lines.join('\n'), 3000) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: clip(meta, 3000) }] },
    ],
  };
}
