/**
 * Scenario families: outages drawn at random from a seed, so that the evaluation is not a fixed
 * set of cases a detector's parameters can be fitted to. Pure: a seed, the catalog and a base
 * scenario in, a valid scenario out; the same seed gives the same scenario.
 *
 * What a seed draws (ranges below, uniform or log-uniform):
 * - a group that fails together: a provider or a family of the catalog with two services or more
 *   (aws, azure, meta, microsoft, google, ...), and 2 to 8 of its services as the primaries;
 * - four bystanders from the rest of the catalog, which stay normal (their spikes are false
 *   incidents);
 * - every service's size: normal reports per minute at scale 1, log-uniform in [0.05, 20] (the
 *   detector's prior is the catalog's figure, so it has to learn the real one);
 * - two days of history, then the onset at a minute drawn over 00:00-16:00 UTC of the third day;
 *   per primary a lag of 0-7 min, a ramp of 1-15 min, a peak of 2-40x its normal rate;
 *   30 min to 4 h until the fix, recoveries staggered by 0-20 min, decays of 15-60 min;
 * - the volume scale of the replay, log-uniform in [0.01, 1].
 * Daily profiles, audiences, posts per report, lateness and repeat reporters come from the base
 * scenario (the shipped quiet week), by catalog category.
 */
import type { Catalog, CatalogService } from '../../../schemas/catalog/index';
import { Sfc32 } from '@downradar/replay';
import { parseScenario } from '@downradar/replay';
import type { Scenario } from '../../../schemas/scenario/index';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** Daily profile of the base scenario for a catalog category. */
const PROFILE_BY_CATEGORY: Record<CatalogService['category'], string> = {
  social: 'social',
  messaging: 'messaging',
  streaming: 'streaming',
  gaming: 'gaming',
  shopping: 'social',
  finance: 'bank',
  cloud: 'cloud',
  productivity: 'work',
  email: 'work',
  search: 'social',
  telecom: 'isp',
  other: 'social',
};

export interface FamilyDraw {
  seed: number;
  groupBy: 'provider' | 'family';
  group: string;
  primaries: string[];
  bystanders: string[];
  scale: number;
  onset: string;
}

export interface FailureGroup {
  groupBy: 'provider' | 'family';
  name: string;
  members: CatalogService[];
}

/** Providers and families of the catalog with two services or more, in a stable order. */
export function failureGroups(catalog: Catalog): FailureGroup[] {
  const groups: FailureGroup[] = [];
  const providers = [...new Set(catalog.services.map((s) => s.provider))].sort();
  for (const p of providers) {
    const members = catalog.providedBy(p);
    if (members.length >= 2) groups.push({ groupBy: 'provider', name: p, members });
  }
  const families = [...new Set(catalog.services.map((s) => s.family).filter((f): f is string => f !== null))].sort();
  for (const f of families) {
    const members = catalog.familyMembers(f);
    if (members.length >= 2) groups.push({ groupBy: 'family', name: f, members });
  }
  return groups;
}

function logUniform(rng: Sfc32, lo: number, hi: number): number {
  return Math.exp(Math.log(lo) + rng.float() * (Math.log(hi) - Math.log(lo)));
}

/** Three significant digits: readable scenario files, no spurious precision. */
function sig3(x: number): number {
  return Number(x.toPrecision(3));
}

function shuffled<T>(rng: Sfc32, items: readonly T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The scenario of family member `seed`. */
export function generateFamily(seed: number, catalog: Catalog, base: Scenario, historyDays = 2): { scenario: Scenario; draw: FamilyDraw } {
  const rng = new Sfc32(seed >>> 0, 0x6661_6d69); // stream "fami"
  const groups = failureGroups(catalog);
  const group = groups[rng.int(groups.length)]!;
  const size = 2 + rng.int(Math.min(8, group.members.length) - 1);
  const primaries = shuffled(rng, group.members).slice(0, size);
  const taken = new Set(primaries.map((s) => s.id));
  const bystanders = shuffled(
    rng,
    catalog.services.filter((s) => !taken.has(s.id)),
  ).slice(0, 4);
  const scale = sig3(logUniform(rng, 0.01, 1));
  const startMs = Date.UTC(2024, 0, 1) + rng.int(330) * DAY_MS;
  // historyDays (default 2) moves the onset, never the draws: the same seed draws the same outage.
  const onsetMs = startMs + historyDays * DAY_MS + rng.int(16 * 60) * MINUTE_MS;
  const fixMinutes = 30 + rng.int(211);
  const id = historyDays === 2 ? `family-${seed}` : `family-${seed}-h${historyDays}`;

  const services = [...primaries, ...bystanders].map((c) => {
    const profile = PROFILE_BY_CATEGORY[c.category];
    return {
      id: c.id,
      names: [c.name, ...c.aliases.slice(0, 2)].filter((n) => n.length <= 60),
      baselinePerMinute: sig3(logUniform(rng, 0.05, 20)),
      profile: base.profiles[profile] !== undefined ? profile : Object.keys(base.profiles)[0]!,
      problems: Object.fromEntries(c.problems.map((p) => [p, 1])),
      ...(c.family !== null ? { family: c.family } : {}),
      provider: c.provider,
    };
  });
  const incidentServices = primaries.map((c) => ({
    serviceId: c.id,
    role: 'primary' as const,
    peakMultiplier: sig3(logUniform(rng, 2, 40)),
    lagMinutes: rng.int(8),
    rampMinutes: 1 + rng.int(15),
    recoveryLagMinutes: rng.int(21),
    decayMinutes: 15 + rng.int(46),
  }));
  const hashtags = primaries
    .filter((c) => c.hashtags.length > 0 && /^[a-z0-9_]{1,100}$/.test(c.hashtags[0]!))
    .map((c) => ({ tag: c.hashtags[0]!, serviceId: c.id, spellings: [{ text: `#${c.hashtags[0]!}`, weight: 1 }] }));

  const scenario = {
    id,
    title: `${group.groupBy} ${group.name}: ${primaries.length} services fail together (generated from seed ${seed})`,
    description: `Drawn by tools/eval/src/families.ts from seed ${seed}; ${bystanders.length} bystanders stay normal.`,
    seed: (seed * 2654435761) >>> 0,
    start: iso(startMs),
    end: iso(startMs + (historyDays + 1) * DAY_MS),
    defaultScale: scale,
    profiles: base.profiles,
    defaults: base.defaults,
    services,
    incidents: [
      {
        id: `${id}-outage`,
        title: `${group.name} outage`,
        ...(group.groupBy === 'provider' ? { provider: group.name } : { family: group.name }),
        start: iso(onsetMs),
        recoveryStart: iso(onsetMs + fixMinutes * MINUTE_MS),
        envelope: { plateauMinutes: 30, sagPerHour: 0.1 },
        postsPerReport: 0.3,
        hashtagShare: 0.4,
        hashtags,
        services: incidentServices,
      },
    ],
    trends: [],
    lateness: base.lateness,
    repeatReporters: base.repeatReporters,
    noisePostsPerMinute: base.noisePostsPerMinute,
    reportTextShare: base.reportTextShare,
    assumption: `generated: every number drawn at random from seed ${seed} within the ranges of families.ts, or taken from the ${base.id} scenario`,
  };
  return {
    scenario: parseScenario(scenario, `<family seed ${seed}>`),
    draw: {
      seed,
      groupBy: group.groupBy,
      group: group.name,
      primaries: primaries.map((s) => s.id),
      bystanders: bystanders.map((s) => s.id),
      scale,
      onset: iso(onsetMs),
    },
  };
}
