/**
 * The event contract of downradar: every Kafka message and every HTTP body.
 *
 * One source of truth: these TypeBox definitions are JSON Schema objects at run time (fastify
 * validates bodies with them, consumers check messages with them) and TypeScript types at
 * compile time (`Static<typeof X>`). `npm run schemas` writes them out as plain JSON Schema
 * files (schemas/events/json/*.schema.json) for users in other languages; a unit test checks
 * those files are up to date.
 *
 * Times inside messages are UTC milliseconds since the epoch. Service ids are catalog slugs.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const SLUG_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';
/** Patterns the one-pass report checks (ingest's steps.ts, the sink's rows.ts) share with the schemas below. */
export const EVENT_ID_PATTERN = '^[A-Za-z0-9._:-]+$';
export const COUNTRY_PATTERN = '^[A-Z]{2}$';
export const REPORT_SOURCE_PATTERN = '^[a-z0-9_-]{1,32}$';
/** A post's source and its declared language (PostInput), shared with ingest's one-pass post check (steps.ts). */
export const POST_SOURCE_PATTERN = '^[a-z0-9_-]{1,32}$';
export const LANG_PATTERN = '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$';
const Slug = (description: string) => Type.String({ pattern: SLUG_PATTERN, description });
const EpochMs = (description: string) =>
  Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000, description });
const EventId = (description: string) =>
  Type.String({ minLength: 1, maxLength: 128, pattern: EVENT_ID_PATTERN, description });

/** The problem categories every report and post is mapped to (Downdetector's "indicators", folded). */
export const PROBLEM_CATEGORIES = ['login', 'app', 'server_connection', 'messaging', 'website', 'other'] as const;
export type ProblemCategory = (typeof PROBLEM_CATEGORIES)[number];
export const ProblemCategorySchema = Type.Union(PROBLEM_CATEGORIES.map((p) => Type.Literal(p)), {
  description: 'problem category',
});

/** Levels as in the Downdetector API: no problems, possible problems, problems detected. */
export const LEVELS = ['ok', 'warning', 'danger'] as const;
export type Level = (typeof LEVELS)[number];
export const LevelSchema = Type.Union(LEVELS.map((l) => Type.Literal(l)));

export const Country = Type.String({ pattern: COUNTRY_PATTERN, description: 'ISO 3166-1 alpha-2, upper case' });

// ---------------------------------------------------------------------------------------------
// HTTP bodies (ingest)

/** POST /v1/reports: the public "I have a problem" button. */
export const ReportInput = Type.Object(
  {
    id: Type.Optional(EventId('client-chosen report id; the same id sent twice is stored once')),
    serviceId: Slug('catalog service id'),
    problem: ProblemCategorySchema,
    text: Type.Optional(Type.String({ maxLength: 500 })),
    country: Type.Optional(Country),
    at: Type.Optional(EpochMs('event time; default now; at most 5 min ahead, 7 days back')),
    reporterId: Type.String({ minLength: 1, maxLength: 200, description: 'opaque reporter id; hashed before storage' }),
  },
  { additionalProperties: false, $id: 'ReportInput' },
);
export type ReportInput = Static<typeof ReportInput>;

/** POST /v1/posts: one social post. */
export const PostInput = Type.Object(
  {
    id: EventId('post id from its source; the same id sent twice is stored once'),
    at: EpochMs('time the post was published'),
    text: Type.String({ minLength: 1, maxLength: 5000 }),
    lang: Type.Optional(Type.String({ pattern: LANG_PATTERN })),
    source: Type.String({ pattern: POST_SOURCE_PATTERN, description: 'twitter, mastodon, reddit, replay, ...' }),
    authorHash: Type.String({ minLength: 1, maxLength: 128 }),
    country: Type.Optional(Country),
    replyTo: Type.Optional(EventId('id of the post this replies to')),
    repostOf: Type.Optional(EventId('id of the post this reposts')),
  },
  { additionalProperties: false, $id: 'PostInput' },
);
export type PostInput = Static<typeof PostInput>;

// ---------------------------------------------------------------------------------------------
// Kafka messages

/** downradar.reports, keyed by serviceId. */
export const ReportEvent = Type.Object(
  {
    id: EventId('report id'),
    serviceId: Slug('catalog service id'),
    problem: ProblemCategorySchema,
    text: Type.Optional(Type.String({ maxLength: 500 })),
    country: Type.Optional(Country),
    at: EpochMs('event time'),
    receivedAt: EpochMs('time ingest accepted it'),
    reporterHash: Type.String({ minLength: 1, maxLength: 128, description: 'salted hash of the reporter id' }),
    source: Type.String({ pattern: REPORT_SOURCE_PATTERN, description: 'web, api, replay' }),
  },
  { additionalProperties: false, $id: 'ReportEvent' },
);
export type ReportEvent = Static<typeof ReportEvent>;

/** downradar.posts, keyed by post id. */
export const PostEvent = Type.Object(
  {
    ...PostInput.properties,
    receivedAt: EpochMs('time ingest accepted it'),
    detectedLang: Type.Optional(
      Type.String({
        pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$',
        description: "language downradar detected in the text (BCP 47: 'en', 'pt', 'hi-Latn'; 'und' when the text gives no evidence); lang is what the source declared",
      }),
    ),
  },
  { additionalProperties: false, $id: 'PostEvent' },
);
export type PostEvent = Static<typeof PostEvent>;

/**
 * report / hashtag / mention are counted; official and probe are the separate evidence of
 * services/sources (the provider's status page, this host's DNS and HTTPS probes): the detector
 * reads them beside the counts and never counts them (services/detector/src/core/external-evidence.ts).
 */
export const SIGNAL_KINDS = ['report', 'hashtag', 'mention', 'official', 'probe'] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];
/** The signal kinds that are people's posts (the rest are reports and external evidence). */
export const POST_SIGNAL_KINDS = ['hashtag', 'mention'] as const;

/**
 * A provider's status, normalised from Statuspage's component statuses and page indicator
 * (operational, degraded_performance, partial_outage, major_outage, under_maintenance; none, minor,
 * major, critical). `unknown`: the provider said something (an RSS item) without a severity.
 */
export const OFFICIAL_STATUSES = ['operational', 'degraded', 'partial_outage', 'major_outage', 'maintenance', 'unknown'] as const;
export type OfficialStatus = (typeof OFFICIAL_STATUSES)[number];
export const OfficialStatusSchema = Type.Union(OFFICIAL_STATUSES.map((s) => Type.Literal(s)));

/** downradar.signals, keyed by serviceId: what the detector counts. */
export const SignalEvent = Type.Object(
  {
    id: EventId('unique signal id: "<report id>" or "<post id>:<service id>"'),
    sourceId: EventId('the report or post this came from'),
    serviceId: Slug('catalog service id'),
    kind: Type.Union(SIGNAL_KINDS.map((k) => Type.Literal(k))),
    at: EpochMs('event time'),
    receivedAt: EpochMs('time ingest accepted the source'),
    outage: Type.Boolean({ description: 'true when the source says the service is not working' }),
    problem: ProblemCategorySchema,
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
    country: Type.Optional(Country),
    reporterHash: Type.Optional(Type.String({ maxLength: 128, description: 'reporter (reports) or author (posts) hash, for the first-report-per-reporter rule' })),
    hashtags: Type.Array(Type.String({ maxLength: 140 }), { maxItems: 50, description: 'normalised (lower case, no #) hashtags of the source' }),
    evidence: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 10 })),
    officialStatus: Type.Optional(OfficialStatusSchema),
  },
  { additionalProperties: false, $id: 'SignalEvent' },
);
export type SignalEvent = Static<typeof SignalEvent>;

/**
 * downradar.signals, keyed by serviceId, when a request made several signals of one service: those
 * signals in one message (consumers read either form; ingest and the replay's Kafka target write
 * one batch per service per 5 s of event time, see services/common signal-messages.ts). Every
 * element is a
 * SignalEvent of the same service, the message's key.
 */
export const SignalBatch = Type.Array(Type.Object(SignalEvent.properties, { additionalProperties: false }), {
  minItems: 1,
  $id: 'SignalBatch',
  description: 'several SignalEvents of one service in one message of downradar.signals (its key is their serviceId)',
});
export type SignalBatch = Static<typeof SignalBatch>;

const KeyCount = Type.Object({ key: Type.String(), count: Type.Integer({ minimum: 0 }) }, { additionalProperties: false });

/** downradar.scores, keyed by serviceId: one per service per closed window. */
export const ScoreEvent = Type.Object(
  {
    serviceId: Slug('catalog service id'),
    windowStart: EpochMs('window start (inclusive)'),
    windowEnd: EpochMs('window end (exclusive)'),
    count: Type.Integer({ minimum: 0, description: 'counted reports + outage signals in the window (first per reporter per 15 min)' }),
    rawCount: Type.Integer({ minimum: 0, description: 'every signal in the window, duplicates included' }),
    expected: Type.Number({ minimum: 0, description: 'baseline for this time of day and day of week' }),
    upper: Type.Number({ minimum: 0, description: 'upper band: counts above it are unusual' }),
    score: Type.Number({ minimum: 0, maximum: 1, description: 'how unlikely the count is under the baseline' }),
    level: LevelSchema,
    evidence: Type.Object(
      {
        problems: Type.Array(KeyCount),
        countries: Type.Array(KeyCount),
        hashtags: Type.Array(KeyCount),
        samplePostIds: Type.Array(Type.String()),
      },
      { additionalProperties: false },
    ),
    computedAt: EpochMs('processing time the score was computed'),
  },
  { additionalProperties: false, $id: 'ScoreEvent' },
);
export type ScoreEvent = Static<typeof ScoreEvent>;

export const INCIDENT_EVENT_TYPES = ['opened', 'updated', 'resolved'] as const;
export const IncidentService = Type.Object(
  {
    serviceId: Slug('catalog service id'),
    role: Type.Union([Type.Literal('primary'), Type.Literal('collateral')]),
    level: LevelSchema,
    firstWarningAt: Type.Optional(EpochMs('window start at which it first reached warning')),
    firstDangerAt: Type.Optional(EpochMs('window start at which it first reached danger')),
    peakScore: Type.Number({ minimum: 0, maximum: 1 }),
    peakCount: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type IncidentService = Static<typeof IncidentService>;

/** downradar.alerts, keyed by incidentId (all events of one incident are ordered). */
export const IncidentEvent = Type.Object(
  {
    eventId: EventId('"<incidentId>:<seq>": unique, the idempotency key for consumers'),
    incidentId: EventId('stable incident id'),
    seq: Type.Integer({ minimum: 1, description: '1 for opened, then +1 per event of this incident' }),
    type: Type.Union(INCIDENT_EVENT_TYPES.map((t) => Type.Literal(t))),
    at: EpochMs('event time (window end) at which this happened'),
    emittedAt: EpochMs('processing time it was emitted'),
    level: LevelSchema,
    startedAt: EpochMs('window start of the first unusual window'),
    resolvedAt: Type.Optional(EpochMs('set on resolved')),
    family: Type.Optional(Type.String()),
    provider: Type.Optional(Type.String()),
    services: Type.Array(IncidentService, { minItems: 1 }),
    summary: Type.String({ maxLength: 1000 }),
  },
  { additionalProperties: false, $id: 'IncidentEvent' },
);
export type IncidentEvent = Static<typeof IncidentEvent>;

/** downradar.trends, keyed by hashtag. */
export const TrendEvent = Type.Object(
  {
    hashtag: Type.String({ minLength: 1, maxLength: 140, description: 'normalised: lower case, no #' }),
    windowStart: EpochMs('window start'),
    windowEnd: EpochMs('window end'),
    count: Type.Integer({ minimum: 0 }),
    expected: Type.Number({ minimum: 0 }),
    burst: Type.Number({ minimum: 0, maximum: 1, description: 'burst score against its own baseline' }),
    trending: Type.Boolean(),
    serviceId: Type.Optional(Slug('service the hashtag is about, when known')),
    outage: Type.Optional(Type.Boolean({ description: 'whether the hashtag says "down"' })),
  },
  { additionalProperties: false, $id: 'TrendEvent' },
);
export type TrendEvent = Static<typeof TrendEvent>;

/**
 * downradar.status, keyed by serviceId: what a provider's official status page said, one message
 * per change seen (a component's status, the page's indicator, an incident update, a feed item).
 * The id is made from what the provider published, so polling the same page again makes no new id.
 */
export const OFFICIAL_STATUS_KINDS = ['page', 'component', 'incident'] as const;
export const OfficialStatusEvent = Type.Object(
  {
    id: EventId('"<serviceId>:<kind>:<hash of what the provider published>"'),
    serviceId: Slug('catalog service id'),
    source: Type.Union([Type.Literal('statuspage'), Type.Literal('rss'), Type.Literal('atom')]),
    kind: Type.Union(OFFICIAL_STATUS_KINDS.map((k) => Type.Literal(k))),
    status: OfficialStatusSchema,
    providerStatus: Type.String({ maxLength: 64, description: 'the status as the provider wrote it: major_outage, critical, investigating, ...' }),
    at: EpochMs('when the provider says it happened (updated_at, an update\'s created_at, a feed item\'s date)'),
    observedAt: EpochMs('when downradar saw it'),
    incidentId: Type.Optional(Type.String({ maxLength: 128, description: "the provider's incident id (Statuspage) or the feed item's guid" })),
    incidentStatus: Type.Optional(Type.String({ maxLength: 64, description: 'investigating, identified, monitoring, resolved, postmortem, ...' })),
    componentId: Type.Optional(Type.String({ maxLength: 128 })),
    componentName: Type.Optional(Type.String({ maxLength: 200 })),
    title: Type.String({ maxLength: 500 }),
    body: Type.Optional(Type.String({ maxLength: 5000 })),
    url: Type.String({ maxLength: 500, description: 'the status page, or the incident\'s link' }),
  },
  { additionalProperties: false, $id: 'OfficialStatusEvent' },
);
export type OfficialStatusEvent = Static<typeof OfficialStatusEvent>;

/** What one probe saw, from this host (one vantage point). */
export const PROBE_OUTCOMES = [
  'ok',
  'nxdomain',
  'servfail',
  'refused',
  'dns_timeout',
  'dns_error',
  'tcp_refused',
  'tcp_reset',
  'tcp_timeout',
  'tls_error',
  'http_timeout',
  'http_5xx',
  'error',
] as const;
export type ProbeOutcome = (typeof PROBE_OUTCOMES)[number];

/** downradar.probes, keyed by serviceId: one DNS or HTTPS probe of one of a service's domains. */
export const ProbeResultEvent = Type.Object(
  {
    id: EventId('"<serviceId>:<kind>:<target>:<at>"'),
    serviceId: Slug('catalog service id'),
    kind: Type.Union([Type.Literal('dns'), Type.Literal('https')]),
    target: Type.String({ minLength: 1, maxLength: 253, description: 'the domain probed' }),
    at: EpochMs('when the probe started'),
    ok: Type.Boolean({ description: 'resolved (dns); connected, shook hands and got an HTTP status below 500 (https)' }),
    outcome: Type.Union(PROBE_OUTCOMES.map((o) => Type.Literal(o))),
    latencyMs: Type.Number({ minimum: 0, description: 'whole probe, start to answer or failure' }),
    dnsMs: Type.Optional(Type.Number({ minimum: 0 })),
    connectMs: Type.Optional(Type.Number({ minimum: 0, description: 'TCP connect (https)' })),
    tlsMs: Type.Optional(Type.Number({ minimum: 0, description: 'TLS handshake (https)' })),
    firstByteMs: Type.Optional(Type.Number({ minimum: 0, description: 'request sent to status line (https)' })),
    httpStatus: Type.Optional(Type.Integer({ minimum: 100, maximum: 599 })),
    address: Type.Optional(Type.String({ maxLength: 64, description: 'first address resolved / connected to' })),
    error: Type.Optional(Type.String({ maxLength: 500 })),
    vantage: Type.String({ maxLength: 100, description: 'which host probed (DOWNRADAR_PROBE_VANTAGE)' }),
  },
  { additionalProperties: false, $id: 'ProbeResultEvent' },
);
export type ProbeResultEvent = Static<typeof ProbeResultEvent>;

/** downradar.dlq: anything that could not be processed, with the reason. Nothing is dropped silently. */
export const DlqRecord = Type.Object(
  {
    id: EventId('dlq record id'),
    at: EpochMs('when it was dead-lettered'),
    origin: Type.String({ maxLength: 200, description: 'topic or route it came from, and the service that gave up' }),
    code: Type.String({ pattern: '^[A-Z][A-Z0-9_]{1,63}$', description: 'machine-readable reason code' }),
    reason: Type.String({ maxLength: 2000 }),
    payload: Type.String({ maxLength: 65536, description: 'the original message, possibly truncated' }),
  },
  { additionalProperties: false, $id: 'DlqRecord' },
);
export type DlqRecord = Static<typeof DlqRecord>;

/** Every schema by name: used by write-json.ts and by the fixtures test. */
export const EVENT_SCHEMAS: Record<string, TSchema> = {
  ReportInput,
  PostInput,
  ReportEvent,
  PostEvent,
  SignalEvent,
  SignalBatch,
  ScoreEvent,
  IncidentEvent,
  TrendEvent,
  OfficialStatusEvent,
  ProbeResultEvent,
  DlqRecord,
};
