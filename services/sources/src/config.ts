import { hostname } from 'node:os';
import { baseConfig, defineConfig, int, list, num, optionalStr, str, bool, type ConfigOf } from '@downradar/common';

export const SOURCE_NAMES = ['bluesky', 'mastodon', 'statuspage', 'probes'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

/**
 * Every live source is off unless named in DOWNRADAR_SOURCES: the demo and the tests have no
 * internet, and a source switched on by default would reach out to it.
 */
export const sourcesConfigSpec = defineConfig({
  ...baseConfig,
  sources: list('live sources to run, comma-separated: bluesky, mastodon, statuspage, probes (default none)', []),
  sourcesHost: str('address of the sources service\'s /healthz, /readyz and /metrics', '127.0.0.1'),
  sourcesPort: int('port of the sources service\'s /healthz, /readyz and /metrics (0 = any free port)', 8085, 0, 65535),
  sourcesCatalogFile: optionalStr('where each service\'s domains and status page are listed (default schemas/catalog/sources.json)'),
  reporterSalt: optionalStr('secret salt for hashing author ids, the same as ingest\'s reporter salt (default: .data/reporter-salt)', { secret: true }),
  reconnectInitialMs: int('first reconnect delay of the streaming sources (doubles per failure, with jitter)', 1000, 10, 600_000),
  sourcesRepeatLogMs: int('a failure that repeats (no internet: every reconnect and poll fails) is logged once, then at most once per this long with the count of repeats', 300_000, 0, 86_400_000),
  reconnectMaxMs: int('longest reconnect delay of the streaming sources', 60_000, 100, 3_600_000),

  jetstreamEndpoints: list('Bluesky Jetstream subscribe URLs, in order of preference (the next one is tried when one fails)', [
    'wss://jetstream1.us-east.bsky.network/subscribe',
    'wss://jetstream2.us-east.bsky.network/subscribe',
    'wss://jetstream1.us-west.bsky.network/subscribe',
    'wss://jetstream2.us-west.bsky.network/subscribe',
  ]),
  jetstreamRewindMs: int('a restart reconnects this long before the committed cursor (replayed posts are recognised by id)', 10_000, 0, 3_600_000),
  jetstreamCommitMs: int('how often the Bluesky posts read so far are committed with the cursor (one Kafka transaction)', 1000, 10, 60_000),
  jetstreamMaxFrameBytes: int('larger Jetstream frames go to the DLQ (FRAME_TOO_LARGE)', 256 * 1024, 1024, 16 * 1024 * 1024),
  jetstreamMaxPending: int('the socket is paused while this many posts wait for their commit', 50_000, 100, 10_000_000),

  mastodonInstances: list('Mastodon instances to stream from (https://host)', ['https://mastodon.social']),
  mastodonAccessToken: optionalStr('access token for the Mastodon instances (optional; some allow the public stream only with one)', { secret: true }),
  mastodonPublic: bool('also subscribe to the public stream where the instance allows it', true),
  mastodonMaxHashtags: int('subscribe to at most this many catalog hashtags per instance', 1000, 0, 100_000),
  mastodonRewindMs: int('after a reconnect or restart, the gap is read from the timelines API from this long before the newest status seen (replayed posts are recognised by id)', 60_000, 0, 86_400_000),
  mastodonFillMaxRequests: int('most timelines API requests one gap fill makes per instance, 40 statuses each (Mastodon allows 300 per 5 minutes per IP); what is left unread is reported (log, sources_gap_unfilled_seconds_total, /readyz)', 60, 0, 10_000),
  mastodonFillIntervalMs: int('pause between two timelines API requests of a gap fill', 1000, 0, 60_000),

  statusIntervalMs: int('each status page is polled this often', 60_000, 1000, 86_400_000),
  statusHostGapMs: int('at least this long between two requests to the same host (politeness)', 5000, 0, 600_000),
  statusTimeoutMs: int('give up on a status page request after this long', 10_000, 100, 120_000),

  probeIntervalMs: int('each service\'s domains are probed this often', 60_000, 1000, 86_400_000),
  probeJitter: num('each round starts up to this fraction of the interval late, at random', 0.2, 0, 1),
  probeConcurrency: int('most probes in flight at once', 8, 1, 1000),
  probeTimeoutMs: int('a DNS lookup, TCP connect, TLS handshake or HTTP answer slower than this is a timeout', 5000, 50, 60_000),
  probeResolvers: list('DNS servers the probes ask (ip or ip:port; default: the system\'s)', []),
  probeHttpsPort: int('port the HTTPS probe connects to', 443, 1, 65535),
  probeVantage: str('name of this vantage point in probe results', hostname().slice(0, 100)),
  probeVantageFailShare: num('when at least this share of all services fail in one round, the failure is this host\'s and is not sent as evidence', 0.5, 0, 1),
});

export type SourcesConfig = ConfigOf<typeof sourcesConfigSpec>;
