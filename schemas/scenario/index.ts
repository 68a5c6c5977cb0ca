/**
 * The scenario contract of services/replay: what a scenario file says and what its labels file
 * (the ground truth the detector is scored against) says.
 *
 * TypeBox, like schemas/events: a JSON Schema object at run time (the loader validates scenario
 * files with it), a TypeScript type at compile time. Shapes are plain objects and optional fields,
 * no unions, so that a validation error points at one field ("incidents[0].services[2].rampMinutes").
 *
 * Conventions
 * - Times are UTC ISO 8601 strings ending in Z ("2021-10-04T15:40:00Z").
 * - Rates are at scale 1, per minute. The replay multiplies every rate by its scale factor.
 * - Day of week index 0 is Monday (ISO 8601), hour of day index 0 is 00:00-01:00 local time.
 * - Provenance: any object may carry `source` (a URL, for sourced figures) and `assumption`
 *   (a sentence, for numbers we made up and why). Numbers not covered by one of those on
 *   themselves or an ancestor must be listed in the top-level `assumptions` array by path.
 *   `provenanceGaps()` in services/replay checks this; the shipped scenarios have no gaps.
 */
import { Type, type Static } from '@sinclair/typebox';
import { SLUG_PATTERN } from '../events/index';

export const ISO_UTC_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,3})?)?Z$';
const IsoUtc = (description: string) => Type.String({ pattern: ISO_UTC_PATTERN, description });
const Slug = (description: string) => Type.String({ pattern: SLUG_PATTERN, description });
const Rate = (description: string) => Type.Number({ minimum: 0, description });
const Minutes = (description: string) => Type.Number({ minimum: 0, maximum: 100_000, description });
const Fraction = (description: string) => Type.Number({ minimum: 0, maximum: 1, description });

/** Provenance notes allowed on most objects. */
const provenance = {
  source: Type.Optional(Type.String({ pattern: '^https?://', description: 'URL the figures of this object come from' })),
  assumption: Type.Optional(Type.String({ minLength: 3, description: 'why these numbers, where no source gives them' })),
};

export const CountryWeights = Type.Record(Type.String({ pattern: '^[A-Z]{2}$' }), Type.Number({ minimum: 0 }), {
  additionalProperties: false,
  description: 'ISO 3166-1 alpha-2 country -> relative weight',
});
export type CountryWeights = Static<typeof CountryWeights>;

const Weight = Type.Optional(Type.Number({ minimum: 0 }));
/** Keys are PROBLEM_CATEGORIES of schemas/events (a unit test keeps them equal). */
export const ProblemWeights = Type.Object(
  { login: Weight, app: Weight, server_connection: Weight, messaging: Weight, website: Weight, other: Weight },
  { additionalProperties: false, description: 'problem category -> relative weight' },
);
export type ProblemWeights = Static<typeof ProblemWeights>;

export const TimezoneWeight = Type.Object(
  {
    offsetHours: Type.Number({ minimum: -12, maximum: 14, description: 'UTC offset of this part of the audience' }),
    weight: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);

/** A daily and weekly shape. Values are relative; the loader normalises the week to mean 1. */
export const Profile = Type.Object(
  {
    hourOfDay: Type.Array(Type.Number({ minimum: 0 }), { minItems: 24, maxItems: 24, description: 'local hour 0..23 multipliers' }),
    dayOfWeek: Type.Array(Type.Number({ minimum: 0 }), { minItems: 7, maxItems: 7, description: 'Monday..Sunday multipliers' }),
    ...provenance,
  },
  { additionalProperties: false },
);
export type Profile = Static<typeof Profile>;

/** Posts that come with normal traffic, relative to the service's normal report rate (so they follow its profile). */
export const PostRates = Type.Object(
  {
    chatterPerReport: Type.Optional(Rate('ordinary posts mentioning the service, per normal report')),
    falseFriendsPerReport: Type.Optional(Rate('posts naming the service with "down" in another sense (stock is down 5%), per normal report')),
    complaintsPerReport: Type.Optional(Rate('outage complaint posts per normal report (the everyday "is X down?")')),
    ...provenance,
  },
  { additionalProperties: false },
);
export type PostRates = Static<typeof PostRates>;

export const ServiceSpec = Type.Object(
  {
    id: Slug('catalog service id'),
    names: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 60 }), { minItems: 1, description: 'how posts write the name' })),
    baselinePerMinute: Rate('normal reports per minute at scale 1, weekly mean'),
    profile: Type.String({ minLength: 1, description: 'name of an entry of `profiles`' }),
    timezones: Type.Optional(Type.Array(TimezoneWeight, { minItems: 1, description: 'where the audience lives; default defaults.timezones' })),
    countries: Type.Optional(CountryWeights),
    problems: Type.Optional(ProblemWeights),
    posts: Type.Optional(PostRates),
    chatterHashtags: Type.Optional(Type.Array(Type.String({ pattern: '^#\\S+$' }))),
    family: Type.Optional(Type.String()),
    provider: Type.Optional(Type.String()),
    ...provenance,
  },
  { additionalProperties: false },
);
export type ServiceSpec = Static<typeof ServiceSpec>;

/** How an incident's report rate rises and falls for one service (relative to the incident start). */
const envelopeFields = {
  lagMinutes: Type.Optional(Minutes('minutes from the incident start to this service\'s first reports')),
  rampMinutes: Type.Optional(Minutes('minutes from onset to peak')),
  rampPower: Type.Optional(Type.Number({ minimum: 0.2, maximum: 5, description: '1 linear ramp, >1 slow start, <1 fast start' })),
  plateauMinutes: Type.Optional(Minutes('minutes held at peak before the sag starts')),
  sagPerHour: Type.Optional(Fraction('fraction of the level lost per hour after the plateau (people give up reporting)')),
  recoveryLagMinutes: Type.Optional(Minutes('minutes after the incident recoveryStart at which this service starts recovering')),
  decayMinutes: Type.Optional(Minutes('minutes from recovery start to zero (half-cosine)')),
};

export const EnvelopeDefaults = Type.Object({ ...envelopeFields, ...provenance }, { additionalProperties: false });
export type EnvelopeDefaults = Static<typeof EnvelopeDefaults>;

export const Bump = Type.Object(
  {
    atMinutes: Minutes('minutes after the incident start at which the bump starts'),
    height: Type.Number({ minimum: 0, maximum: 100, description: 'peak of the bump as a fraction of the service peak' }),
    rampMinutes: Minutes('rise'),
    plateauMinutes: Type.Optional(Minutes('hold')),
    decayMinutes: Minutes('fall (half-cosine)'),
    ...provenance,
  },
  { additionalProperties: false },
);
export type Bump = Static<typeof Bump>;

export const HashtagSpec = Type.Object(
  {
    tag: Type.String({ pattern: '^[a-z0-9_]{1,100}$', description: 'normalised: lower case, no #' }),
    serviceId: Type.Optional(Slug('service the tag names; absent for generic tags (#serverdown)')),
    weight: Type.Optional(Type.Number({ minimum: 0, description: 'relative weight among the tags of a post' })),
    spellings: Type.Array(
      Type.Object({ text: Type.String({ minLength: 1, maxLength: 140 }), weight: Type.Number({ minimum: 0 }) }, { additionalProperties: false }),
      { minItems: 1, description: 'how the tag is written: #FacebookDown, #facebook_down, ...' },
    ),
    ...provenance,
  },
  { additionalProperties: false },
);
export type HashtagSpec = Static<typeof HashtagSpec>;

export const ROLES = ['primary', 'collateral'] as const;
export type Role = (typeof ROLES)[number];

export const IncidentService = Type.Object(
  {
    serviceId: Slug('service id, one of scenario.services'),
    role: Type.Union(ROLES.map((r) => Type.Literal(r)), { description: 'primary: down itself; collateral: spike caused by the others' }),
    // Amplitude: exactly one of these four.
    peakPerMinute: Type.Optional(Rate('incident reports per minute at the peak')),
    peakMultiplier: Type.Optional(Rate('peak as a multiple of baselinePerMinute')),
    share: Type.Optional(Fraction('share of the incident totalReports')),
    totalReports: Type.Optional(Rate('incident reports of this service over its whole envelope')),
    ...envelopeFields,
    secondBump: Type.Optional(Bump),
    problems: Type.Optional(ProblemWeights),
    countries: Type.Optional(CountryWeights),
    postsPerReport: Type.Optional(Rate('outage posts per incident report; default the incident\'s')),
    ...provenance,
  },
  { additionalProperties: false },
);
export type IncidentService = Static<typeof IncidentService>;

export const Incident = Type.Object(
  {
    id: Slug('incident id; also the group id of its services in the labels'),
    title: Type.String({ minLength: 1 }),
    family: Type.Optional(Type.String({ description: 'the services form one incident because they share this family' })),
    provider: Type.Optional(Type.String({ description: 'the services form one incident because they share this provider' })),
    start: IsoUtc('root-cause time: envelopes start here plus lagMinutes'),
    recoveryStart: IsoUtc('fix time: envelopes start to decay here plus recoveryLagMinutes'),
    envelope: EnvelopeDefaults,
    totalReports: Type.Optional(
      Type.Object(
        {
          count: Rate('incident reports, summed over the services that have a `share`'),
          until: Type.Optional(IsoUtc('the count is the cumulative total up to this time (default: whole incident)')),
          ...provenance,
        },
        { additionalProperties: false },
      ),
    ),
    countries: Type.Optional(CountryWeights),
    postsPerReport: Rate('outage complaint posts per incident report'),
    hashtagShare: Fraction('share of outage posts that carry a hashtag'),
    hashtags: Type.Array(HashtagSpec),
    services: Type.Array(IncidentService, { minItems: 1 }),
    ...provenance,
  },
  { additionalProperties: false },
);
export type Incident = Static<typeof Incident>;

/** A hashtag that trends without an outage (#deletefacebook, a meme). Labels say: trend, no incident. */
export const Trend = Type.Object(
  {
    id: Slug('trend id'),
    title: Type.String({ minLength: 1 }),
    serviceId: Type.Optional(Slug('service the posts mention')),
    hashtag: HashtagSpec,
    start: IsoUtc('first posts'),
    rampMinutes: Minutes('rise'),
    plateauMinutes: Minutes('hold'),
    sagPerHour: Type.Optional(Fraction('fraction lost per hour after the plateau')),
    decayMinutes: Minutes('fall after the sag phase'),
    sagMinutes: Type.Optional(Minutes('length of the sag phase (default 0)')),
    peakPostsPerMinute: Rate('posts per minute at the peak, scale 1'),
    templates: Type.Array(Type.String({ minLength: 1, maxLength: 400 }), {
      minItems: 1,
      description: 'post texts; {tag} is replaced by a spelling of the hashtag, {name} by a name of the service',
    }),
    countries: Type.Optional(CountryWeights),
    ...provenance,
  },
  { additionalProperties: false },
);
export type Trend = Static<typeof Trend>;

export const Lateness = Type.Object(
  {
    share: Fraction('share of events that reach the system late'),
    distribution: Type.Union([Type.Literal('exponential'), Type.Literal('lognormal')]),
    meanSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'exponential: mean lateness' })),
    medianSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'lognormal: median lateness' })),
    sigma: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 5, description: 'lognormal: sigma of ln(lateness)' })),
    minSeconds: Type.Optional(Type.Number({ minimum: 0, description: 'lateness floor (default 1 s)' })),
    maxSeconds: Type.Number({ exclusiveMinimum: 0, maximum: 86_400, description: 'lateness cap; bounds the reorder buffer' }),
    ...provenance,
  },
  { additionalProperties: false },
);
export type Lateness = Static<typeof Lateness>;

export const RepeatReporters = Type.Object(
  {
    share: Fraction('share of reports that come from people who report more than once'),
    meanReportsPerRepeater: Type.Number({ minimum: 1, maximum: 50, description: 'how often such a person reports within the window' }),
    windowMinutes: Type.Integer({ minimum: 1, maximum: 1440, description: 'a repeater\'s reports fall within one window' }),
    ...provenance,
  },
  { additionalProperties: false },
);
export type RepeatReporters = Static<typeof RepeatReporters>;

export const Defaults = Type.Object(
  {
    countries: CountryWeights,
    problems: ProblemWeights,
    timezones: Type.Array(TimezoneWeight, { minItems: 1 }),
    posts: PostRates,
    ...provenance,
  },
  { additionalProperties: false },
);
export type Defaults = Static<typeof Defaults>;

export const Assumption = Type.Object(
  {
    path: Type.String({ minLength: 1, description: 'dotted path the reason covers, e.g. "services" or "incidents[0].services[1].share"' }),
    reason: Type.String({ minLength: 3 }),
  },
  { additionalProperties: false },
);

export const SourceRef = Type.Object(
  {
    url: Type.String({ pattern: '^https?://' }),
    title: Type.String(),
    note: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const Scenario = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    id: Slug('scenario id; the file is services/replay/scenarios/<id>.json'),
    title: Type.String({ minLength: 1 }),
    description: Type.Optional(Type.String()),
    seed: Type.Integer({ minimum: 0, maximum: 4294967295 }),
    start: IsoUtc('first minute generated'),
    end: IsoUtc('end (exclusive)'),
    defaultScale: Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'scale used when the replay is not given one' }),
    profiles: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9-]*$' }), Profile, { additionalProperties: false }),
    defaults: Defaults,
    services: Type.Array(ServiceSpec, { minItems: 1 }),
    incidents: Type.Array(Incident),
    trends: Type.Array(Trend),
    lateness: Lateness,
    repeatReporters: RepeatReporters,
    noisePostsPerMinute: Rate('posts that name no service but say "down" (down for pizza)'),
    reportTextShare: Fraction('share of reports that carry a free-text comment'),
    sources: Type.Optional(Type.Array(SourceRef)),
    assumptions: Type.Optional(Type.Array(Assumption)),
    ...provenance,
  },
  { additionalProperties: false, $id: 'Scenario' },
);
export type Scenario = Static<typeof Scenario>;

// ---------------------------------------------------------------------------------------------
// Labels: the ground truth beside each scenario (<id>.labels.json), derived from the scenario by
// services/replay (`npm run replay -- --write-labels`), checked for freshness by a unit test.

export const LabelledService = Type.Object(
  {
    serviceId: Slug('service id'),
    role: Type.Union(ROLES.map((r) => Type.Literal(r))),
    onset: IsoUtc('first minute of incident reports (the envelope starts)'),
    peak: IsoUtc('minute of the highest expected incident rate'),
    end: IsoUtc('first minute without incident reports (the envelope is 0 again)'),
    visibleFrom: Type.Optional(IsoUtc('first minute where expected incident reports reach the normal rate (the count has doubled)')),
    visibleUntil: Type.Optional(IsoUtc('first minute after which they stay below it')),
    peakPerMinute: Type.Number({ minimum: 0, description: 'expected incident reports per minute at the peak, scale 1' }),
    normalPerMinuteAtPeak: Type.Number({ minimum: 0, description: 'expected normal reports per minute at the peak minute, scale 1' }),
    expectedReports: Type.Number({ minimum: 0, description: 'expected incident reports over the envelope, scale 1' }),
    countries: Type.Array(Type.String({ pattern: '^[A-Z]{2}$' }), { description: 'countries the incident reports come from' }),
  },
  { additionalProperties: false },
);
export type LabelledService = Static<typeof LabelledService>;

export const LabelledIncident = Type.Object(
  {
    id: Slug('incident id'),
    group: Slug('group id: every service listed here forms one incident'),
    groupBy: Type.Union([Type.Literal('family'), Type.Literal('provider'), Type.Literal('single')]),
    family: Type.Optional(Type.String()),
    provider: Type.Optional(Type.String()),
    title: Type.String(),
    start: IsoUtc('root cause'),
    end: IsoUtc('last service back to normal'),
    services: Type.Array(LabelledService, { minItems: 1 }),
    hashtags: Type.Array(Type.String(), { description: 'normalised hashtags expected to trend with the incident' }),
  },
  { additionalProperties: false },
);
export type LabelledIncident = Static<typeof LabelledIncident>;

export const NonIncident = Type.Object(
  {
    id: Slug('trend id'),
    kind: Type.Literal('trend'),
    hashtag: Type.String({ description: 'normalised hashtag' }),
    serviceId: Type.Optional(Slug('service mentioned')),
    from: IsoUtc('first posts'),
    peak: IsoUtc('minute of the highest expected post rate'),
    to: IsoUtc('last posts'),
    expect: Type.Literal('trend-without-incident'),
    note: Type.String(),
  },
  { additionalProperties: false },
);
export type NonIncident = Static<typeof NonIncident>;

export const Labels = Type.Object(
  {
    scenarioId: Slug('scenario id'),
    generatedBy: Type.String(),
    start: IsoUtc('scenario start'),
    end: IsoUtc('scenario end'),
    incidents: Type.Array(LabelledIncident),
    nonIncidents: Type.Array(NonIncident),
    quietServices: Type.Array(Slug('service'), { description: 'services with neither incident nor trend: any alert on them is a false positive' }),
  },
  { additionalProperties: false, $id: 'ScenarioLabels' },
);
export type Labels = Static<typeof Labels>;
