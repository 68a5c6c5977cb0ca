/**
 * The read API contract (services/api, consumed by dashboards/web). TypeBox: JSON Schema for
 * fastify's validation, serialisation and the OpenAPI document at /docs, and the TypeScript
 * types the dashboard imports. Times are epoch milliseconds (UTC).
 */
import { Type, type Static } from '@sinclair/typebox';
import { IncidentEvent, IncidentService, LevelSchema, OFFICIAL_STATUSES, ProblemCategorySchema, SLUG_PATTERN } from '../events/index';

const Ms = Type.Integer({ minimum: 0, description: 'epoch milliseconds, UTC' });
const Slug = Type.String({ pattern: SLUG_PATTERN });

/**
 * A time in a query string: epoch milliseconds or ISO 8601 (an ISO time without a zone is UTC).
 * Parsed by the API (services/api time-range.ts), which answers a 400 naming the parameter when
 * it is neither.
 */
const Instant = (description: string) =>
  Type.String({
    maxLength: 40,
    description: `${description}: epoch milliseconds (1633359600000) or ISO 8601 (2021-10-04T15:00:00Z; UTC when no zone is given)`,
  });

/** Common query: a bounded time range. Defaults: the last 24 hours. to - from ≤ 31 days. */
export const RangeQuery = Type.Object(
  {
    from: Type.Optional(Instant('range start (default: to - 24 h)')),
    to: Type.Optional(Instant('range end (default: now)')),
  },
  { additionalProperties: false },
);
export type RangeQuery = Static<typeof RangeQuery>;

export const CurveQuery = Type.Object(
  {
    ...RangeQuery.properties,
    step: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(5), Type.Literal(15)], { description: 'bucket minutes (default 15)' })),
  },
  { additionalProperties: false },
);
export type CurveQuery = Static<typeof CurveQuery>;

export const ServiceParams = Type.Object({ id: Slug }, { additionalProperties: false });

export const ServiceSummary = Type.Object({
  id: Slug,
  name: Type.String(),
  category: Type.String(),
  family: Type.Union([Type.String(), Type.Null()]),
  provider: Type.Union([Type.String(), Type.Null()]),
  level: LevelSchema,
  score: Type.Number(),
  /** reports in the last scored window */
  count: Type.Integer(),
  /** baseline for that window */
  expected: Type.Number(),
  /** window start of the last score, or null when never scored */
  updatedAt: Type.Union([Ms, Type.Null()]),
  /** 96 counts: the last 24 h in 15-minute buckets, oldest first (0 for an empty bucket) */
  sparkline: Type.Array(Type.Integer()),
  openIncidentId: Type.Union([Type.String(), Type.Null()]),
});
export type ServiceSummary = Static<typeof ServiceSummary>;

/** GET /v1/services: the board now, or as it stood at a moment of the data (`at`). */
export const ServicesQuery = Type.Object(
  { at: Type.Optional(Instant('the moment to describe (default: now); levels, sparklines and open incidents as they stood then')) },
  { additionalProperties: false },
);
export type ServicesQuery = Static<typeof ServicesQuery>;

export const ServicesResponse = Type.Object({
  /** the moment described: `at`, or now */
  at: Ms,
  /**
   * End of the newest window the detector has scored (its event-time clock), null before any
   * score. Far behind `at` when the stored data are a replay of the past (the board can offer
   * to look at the board as of then).
   */
  scoredUntil: Type.Union([Ms, Type.Null()]),
  services: Type.Array(ServiceSummary),
});
export type ServicesResponse = Static<typeof ServicesResponse>;

export const CurvePoint = Type.Object({
  /** bucket start */
  t: Ms,
  /** counted reports in the bucket (0 when none) */
  reports: Type.Integer(),
  /** baseline summed over the bucket; null where the detector has not scored (a gap, not 0) */
  baseline: Type.Union([Type.Number(), Type.Null()]),
  upper: Type.Union([Type.Number(), Type.Null()]),
  score: Type.Union([Type.Number(), Type.Null()]),
  level: Type.Union([LevelSchema, Type.Null()]),
});
export type CurvePoint = Static<typeof CurvePoint>;

export const CurveResponse = Type.Object({
  serviceId: Slug,
  from: Ms,
  to: Ms,
  step: Type.Integer(),
  points: Type.Array(CurvePoint),
});
export type CurveResponse = Static<typeof CurveResponse>;

const Share = Type.Object({ key: Type.String(), count: Type.Integer(), pct: Type.Number() });
export const BreakdownResponse = Type.Object({
  serviceId: Slug,
  from: Ms,
  to: Ms,
  total: Type.Integer(),
  problems: Type.Array(Share),
  countries: Type.Array(Share),
  sources: Type.Array(Share),
});
export type BreakdownResponse = Static<typeof BreakdownResponse>;

export const PostsQuery = Type.Object(
  { ...RangeQuery.properties, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) },
  { additionalProperties: false },
);
export const PostsResponse = Type.Object({
  serviceId: Slug,
  posts: Type.Array(
    Type.Object({
      id: Type.String(),
      at: Ms,
      text: Type.String(),
      source: Type.String(),
      /** language detected in the text by services/nlp (BCP 47: 'en', 'hi-Latn', 'und'); null for posts stored before detection */
      language: Type.Union([Type.String(), Type.Null()]),
      /** language the source declared, if it did */
      declaredLanguage: Type.Union([Type.String(), Type.Null()]),
      outage: Type.Boolean(),
      problem: ProblemCategorySchema,
    }),
  ),
});
export type PostsResponse = Static<typeof PostsResponse>;

/**
 * How often a hashtag was used, one definition everywhere (service page, incident evidence,
 * trends page): distinct posts and reports carrying it in the range, exact (the
 * hashtag_volume_1m rollup). A service's hashtags count the posts about that service.
 */
const HashtagUses = Type.Integer({ minimum: 0, description: 'distinct posts and reports carrying the hashtag in the range' });

export const HashtagsResponse = Type.Object({
  serviceId: Slug,
  hashtags: Type.Array(Type.Object({ hashtag: Type.String(), count: HashtagUses })),
});
export type HashtagsResponse = Static<typeof HashtagsResponse>;

export const IncidentsQuery = Type.Object(
  {
    ...RangeQuery.properties,
    serviceId: Type.Optional(Slug),
    status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('resolved')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    at: Type.Optional(
      Instant('describe the incidents as their events stood at this moment (default: their latest state); `to` defaults to it'),
    ),
  },
  { additionalProperties: false },
);
export const IncidentSummary = Type.Object({
  incidentId: Type.String(),
  status: Type.Union([Type.Literal('open'), Type.Literal('resolved')]),
  level: LevelSchema,
  startedAt: Ms,
  resolvedAt: Type.Union([Ms, Type.Null()]),
  lastEventAt: Ms,
  family: Type.Union([Type.String(), Type.Null()]),
  provider: Type.Union([Type.String(), Type.Null()]),
  services: Type.Array(IncidentService),
  summary: Type.String(),
});
export type IncidentSummary = Static<typeof IncidentSummary>;
/**
 * The clock an open incident's duration runs to: `at` when given, else the detector's event-time
 * clock (end of its newest scored window, never after now), so that an incident of a replayed
 * past does not last until today.
 */
const AsOf = Type.Integer({ minimum: 0, description: 'epoch ms: the moment open incidents are described at (their duration runs to it)' });
export const IncidentsResponse = Type.Object({ asOf: AsOf, incidents: Type.Array(IncidentSummary) });
export type IncidentsResponse = Static<typeof IncidentsResponse>;

export const IncidentParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' }) }, { additionalProperties: false });
export const IncidentResponse = Type.Object({
  asOf: AsOf,
  incident: IncidentSummary,
  timeline: Type.Array(IncidentEvent),
  evidence: Type.Object({
    problems: Type.Array(Share),
    countries: Type.Array(Share),
    hashtags: Type.Array(Type.Object({ hashtag: Type.String(), count: HashtagUses })),
  }),
});
export type IncidentResponse = Static<typeof IncidentResponse>;

export const TrendsQuery = Type.Object(
  { ...RangeQuery.properties, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) },
  { additionalProperties: false },
);
export const TrendSummary = Type.Object({
  hashtag: Type.String(),
  serviceId: Type.Union([Slug, Type.Null()]),
  outage: Type.Union([Type.Boolean(), Type.Null()]),
  /** uses over the range, all services together (HashtagUses) */
  count: HashtagUses,
  /** the detector's highest burst score of the hashtag in the range, in [0, 1] (how unlikely its count was under its own usual volume) */
  burst: Type.Number(),
  trending: Type.Boolean(),
  lastWindowStart: Ms,
  /** uses per bucket over the range (at most 48 equal buckets), oldest first */
  sparkline: Type.Array(Type.Integer()),
});
export type TrendSummary = Static<typeof TrendSummary>;
export const TrendsResponse = Type.Object({ from: Ms, to: Ms, trends: Type.Array(TrendSummary) });
export type TrendsResponse = Static<typeof TrendsResponse>;

/** Every 4xx/5xx body. */
export const ErrorResponse = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String({ description: 'machine-readable, e.g. BAD_PARAMETER, NOT_FOUND, UNAUTHORIZED' }),
  error: Type.String(),
  message: Type.String({ description: 'names the field or parameter and the reason' }),
  field: Type.Optional(Type.String()),
});
export type ErrorResponse = Static<typeof ErrorResponse>;

/**
 * SSE `catchup`: the detector closed several windows of one service at once (event time jumped,
 * e.g. the first report after six quiet hours closes 360 empty windows). The stream sends this
 * summary and then one `score` event, the newest window, instead of every window.
 */
export const ScoreCatchup = Type.Object({
  serviceId: Slug,
  /** windows summarised, the newest one included (it follows as a `score` event) */
  windows: Type.Integer({ minimum: 2 }),
  /** start of the oldest and end of the newest window */
  from: Ms,
  to: Ms,
  /** reports counted over all of them */
  count: Type.Integer({ minimum: 0 }),
  /** the worst level among them */
  worstLevel: LevelSchema,
});
export type ScoreCatchup = Static<typeof ScoreCatchup>;

/**
 * GET /v1/stream: server-sent events. Event names and their data:
 *   score     ScoreEvent (per service, the newest window of what the detector just closed)
 *   catchup   ScoreCatchup (sent before that score when it closed several windows at once)
 *   incident  IncidentEvent
 *   trend     TrendEvent
 *   ping      { at } every 15 s (keeps proxies from closing the stream)
 */
export const STREAM_EVENTS = ['score', 'catchup', 'incident', 'trend', 'ping'] as const;

// ---------------------------------------------------------------------------------------------
// Official status and probes (services/sources): the evidence beside the crowd curve.

const OfficialStatusValue = Type.Union(OFFICIAL_STATUSES.map((s) => Type.Literal(s)));

export const OfficialEntry = Type.Object({
  at: Ms,
  kind: Type.Union([Type.Literal('page'), Type.Literal('component'), Type.Literal('incident')]),
  status: OfficialStatusValue,
  providerStatus: Type.String(),
  title: Type.String(),
  url: Type.String(),
  incidentId: Type.Union([Type.String(), Type.Null()]),
  componentName: Type.Union([Type.String(), Type.Null()]),
});
export type OfficialEntry = Static<typeof OfficialEntry>;

export const OfficialResponse = Type.Object({
  serviceId: Slug,
  /** Where the provider publishes its status (schemas/catalog/sources.json); null when none is known. */
  source: Type.Union([Type.Object({ kind: Type.String(), url: Type.String() }), Type.Null()]),
  /** The overall status the page showed when the range began (its latest `page` entry before `from`). */
  before: Type.Union([OfficialEntry, Type.Null()]),
  /** Everything the provider published in the range, oldest first. */
  entries: Type.Array(OfficialEntry),
});
export type OfficialResponse = Static<typeof OfficialResponse>;

export const ProbeMinute = Type.Object({
  minute: Ms,
  kind: Type.Union([Type.Literal('dns'), Type.Literal('https')]),
  probes: Type.Integer({ minimum: 0 }),
  failed: Type.Integer({ minimum: 0 }),
  failures: Type.Array(Type.String(), { description: 'outcomes of the failed probes (nxdomain, servfail, tcp_reset, http_5xx, ...)' }),
  medianLatencyMs: Type.Union([Type.Number(), Type.Null()]),
});
export type ProbeMinute = Static<typeof ProbeMinute>;

export const ProbesResponse = Type.Object({
  serviceId: Slug,
  domains: Type.Array(Type.String()),
  minutes: Type.Array(ProbeMinute),
});
export type ProbesResponse = Static<typeof ProbesResponse>;

export const AcknowledgementResponse = Type.Object({
  incidentId: Type.String(),
  services: Type.Array(
    Type.Object({
      serviceId: Slug,
      /** Event time at which downradar opened the incident. */
      detectedAt: Ms,
      /** When the provider first published something not "operational" about it. */
      acknowledgedAt: Ms,
      /** acknowledgedAt - detectedAt in seconds; negative when the provider spoke first. */
      afterDetectionS: Type.Integer(),
      title: Type.String(),
      url: Type.String(),
    }),
  ),
});
export type AcknowledgementResponse = Static<typeof AcknowledgementResponse>;
