/**
 * RSS 2.0 (rss > channel > item: guid, title, link, pubDate, description) and Atom (feed > entry:
 * id, title, link@href, updated / published, summary / content) status feeds. A feed says when
 * the provider posted about an incident, not how bad it is: each new item is an official event
 * of status 'unknown', which counts as the provider acknowledging a problem but raises no level.
 * Pure.
 */
import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import type { OfficialStatusEvent } from '../../../../schemas/events/index';
import type { PageState, ReadContext, ReadResult } from './statuspage';

export interface FeedItem {
  id: string;
  title: string;
  link: string;
  at: number | undefined;
  summary: string;
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', textNodeName: '#text', processEntities: true, htmlEntities: true });
const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined || x === null ? [] : Array.isArray(x) ? x : [x]);
const text = (x: unknown): string => {
  if (typeof x === 'string') return x;
  if (typeof x === 'number') return String(x);
  if (x && typeof x === 'object' && '#text' in x) return text((x as Record<string, unknown>)['#text']);
  return '';
};
const stripTags = (s: string) => s.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();

/** The items of an RSS or Atom document; throws with a reason when it is neither. */
export function parseFeed(xml: string): { kind: 'rss' | 'atom'; items: FeedItem[] } {
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`not XML: ${(err as Error).message}`);
  }
  const rss = doc.rss as { channel?: { item?: unknown } } | undefined;
  if (rss?.channel) {
    return {
      kind: 'rss',
      items: asArray(rss.channel.item as Record<string, unknown>[]).map((it) => {
        const link = text(it.link);
        const title = text(it.title);
        const date = Date.parse(text(it.pubDate));
        return { id: text(it.guid) || link || title, title, link, at: Number.isFinite(date) ? date : undefined, summary: stripTags(text(it.description)) };
      }),
    };
  }
  const feed = doc.feed as { entry?: unknown } | undefined;
  if (feed) {
    return {
      kind: 'atom',
      items: asArray(feed.entry as Record<string, unknown>[]).map((e) => {
        const links = asArray(e.link as Record<string, unknown>[]);
        const link = text(links.find((l) => l['@rel'] === undefined || l['@rel'] === 'alternate')?.['@href'] ?? links[0]?.['@href']);
        const date = Date.parse(text(e.updated) || text(e.published));
        return { id: text(e.id) || link, title: text(e.title), link, at: Number.isFinite(date) ? date : undefined, summary: stripTags(text(e.summary) || text(e.content)) };
      }),
    };
  }
  throw new Error('neither an RSS channel nor an Atom feed');
}

/** Feed items not reported yet, oldest first. */
export function readFeed(xml: string, previous: PageState, ctx: ReadContext): ReadResult {
  const state: PageState = structuredClone(previous);
  let parsed: ReturnType<typeof parseFeed>;
  try {
    parsed = parseFeed(xml);
  } catch (err) {
    return { events: [], state, problem: (err as Error).message };
  }
  const seen = new Set(state.seen);
  const events: OfficialStatusEvent[] = [];
  const items = parsed.items.filter((i) => i.id !== '').sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
  for (const item of items) {
    const key = createHash('sha256').update(`${item.id}/${item.at ?? ''}`).digest('hex').slice(0, 24);
    if (seen.has(key)) continue;
    seen.add(key);
    state.seen.push(key);
    const e: OfficialStatusEvent = {
      id: `${ctx.serviceId}:incident:${key}`,
      serviceId: ctx.serviceId,
      source: parsed.kind,
      kind: 'incident',
      status: 'unknown',
      providerStatus: 'item',
      at: item.at ?? ctx.now,
      observedAt: ctx.now,
      incidentId: item.id.slice(0, 128),
      title: (item.title || '(untitled)').slice(0, 500),
      url: (item.link || ctx.url).slice(0, 500),
    };
    if (item.summary) e.body = item.summary.slice(0, 5000);
    events.push(e);
  }
  if (state.seen.length > 1000) state.seen.splice(0, state.seen.length - 1000);
  return { events, state };
}
