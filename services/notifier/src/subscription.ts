import { randomBytes } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { INCIDENT_EVENT_TYPES, LEVELS, SLUG_PATTERN } from '../../../schemas/events/index';

/**
 * A webhook subscription: where to POST, the secret to sign with, and which incident events
 * it wants. The same TypeBox schemas validate the API bodies and the subscriptions file.
 */
export const WEBHOOK_FORMATS = ['json', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

const SUBSCRIPTION_ID_PATTERN = '^sub_[A-Za-z0-9_-]{8,64}$';
const Slugs = (description: string) =>
  Type.Array(Type.String({ pattern: SLUG_PATTERN }), { maxItems: 500, uniqueItems: true, description });

const filterFields = {
  services: Type.Optional(Slugs('catalog service ids; empty or absent = every service')),
  families: Type.Optional(Slugs('catalog families (meta, google, ...); empty or absent = every family')),
  minLevel: Type.Optional(
    Type.Union(LEVELS.map((l) => Type.Literal(l)), {
      description: 'lowest level a matching service must have reached in the incident; default warning',
    }),
  ),
  types: Type.Optional(
    Type.Array(Type.Union(INCIDENT_EVENT_TYPES.map((t) => Type.Literal(t))), {
      uniqueItems: true,
      minItems: 1,
      description: 'event types to deliver; default all (opened, updated, resolved)',
    }),
  ),
  format: Type.Optional(Type.Union(WEBHOOK_FORMATS.map((f) => Type.Literal(f)), { description: 'body format; default json' })),
  description: Type.Optional(Type.String({ maxLength: 200 })),
};

const Url = Type.String({ minLength: 8, maxLength: 2000, pattern: '^[Hh][Tt][Tt][Pp][Ss]?://', description: 'http(s) URL the events are POSTed to' });
const Secret = Type.String({ minLength: 16, maxLength: 200, description: 'HMAC-SHA256 key for x-downradar-signature' });

/** POST /v1/subscriptions. Without a secret the notifier generates one and returns it once. */
export const SubscriptionInput = Type.Object(
  { url: Url, secret: Type.Optional(Secret), ...filterFields },
  { additionalProperties: false, $id: 'SubscriptionInput' },
);
export type SubscriptionInput = Static<typeof SubscriptionInput>;

/** One entry of the subscriptions file (and the store's shape). */
export const Subscription = Type.Object(
  {
    id: Type.String({ pattern: SUBSCRIPTION_ID_PATTERN }),
    url: Url,
    secret: Secret,
    ...filterFields,
    createdAt: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false, $id: 'Subscription' },
);
export type Subscription = Static<typeof Subscription>;

/** What the API shows: everything but the secret. */
export const SubscriptionView = Type.Object(
  {
    id: Type.String(),
    url: Type.String(),
    services: Type.Array(Type.String()),
    families: Type.Array(Type.String()),
    minLevel: Type.String(),
    types: Type.Array(Type.String()),
    format: Type.String(),
    description: Type.Optional(Type.String()),
    createdAt: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);
export type SubscriptionView = Static<typeof SubscriptionView>;

/** The file: `{ "subscriptions": [...] }` (a bare array is accepted too). */
export const SubscriptionsFile = Type.Object(
  { version: Type.Optional(Type.Literal(1)), subscriptions: Type.Array(Subscription) },
  { additionalProperties: false },
);

export function newSubscriptionId(): string {
  return 'sub_' + randomBytes(12).toString('base64url');
}

export function newWebhookSecret(): string {
  return 'whsec_' + randomBytes(24).toString('base64url');
}

/** The schema's pattern only checks the scheme; this also refuses what URL cannot parse. */
export function checkUrl(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'is not a valid URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must be an http or https URL';
  if (!u.hostname) return 'has no host';
  return undefined;
}

export function viewOf(s: Subscription): SubscriptionView {
  return {
    id: s.id,
    url: s.url,
    services: s.services ?? [],
    families: s.families ?? [],
    minLevel: s.minLevel ?? 'warning',
    types: s.types ?? [...INCIDENT_EVENT_TYPES],
    format: s.format ?? 'json',
    ...(s.description === undefined ? {} : { description: s.description }),
    ...(s.createdAt === undefined ? {} : { createdAt: s.createdAt }),
  };
}

/** Where a URL points, without path or query: Slack-style URLs carry their secret in the path. */
export function urlOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid url)';
  }
}
