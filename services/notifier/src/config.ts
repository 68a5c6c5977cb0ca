import { baseConfig, bool, dataDir, defineConfig, int, list, optionalStr, str, type ConfigOf } from '@downradar/common';

/** Every variable the notifier reads (all prefixed DOWNRADAR_); `describeConfig(notifierConfig)` prints them. */
export const notifierConfig = defineConfig({
  ...baseConfig,
  notifierHost: str('address the subscriptions API listens on', '127.0.0.1'),
  notifierPort: int('port of the subscriptions API', 8083, 0, 65535),
  notifierSubscriptionsFile: str('JSON file of webhook subscriptions (read at start, rewritten atomically by the API)', `${dataDir}/subscriptions.json`),
  apiKeyHashes: list('SHA-256 hashes of API keys (hash:scope; the subscriptions scope manages subscriptions)', []),
  apiKeysFile: str('file of API key hashes, one `name:hash` per line', `${dataDir}/api-keys`),
  notifierGroupId: optionalStr('consumer group of the alerts consumer; default <prefix>.notifier (the retry consumer adds -retry)'),
  notifierFromBeginning: bool('a new consumer group starts at the oldest alert instead of the newest', false),
  webhookAllow: list(
    'loopback, private, link-local or unique-local destinations webhooks may go to all the same (your own receivers): addresses or networks, optionally with a port: 127.0.0.1:9999, 10.1.0.0/16, [::1]:9999',
    [],
  ),
  webhookDnsServers: list('DNS servers (ip or ip:port) that resolve webhook hosts instead of the system resolver', []),
  webhookTimeoutMs: int('timeout of one webhook request (connect to last header)', 5000, 100, 120_000),
  webhookRetryBaseMs: int('backoff base: the n-th retry waits a random time up to base * 2^(n-1)', 1000, 1, 3_600_000),
  webhookRetryMaxMs: int('backoff cap: no retry waits longer than this (unless Retry-After asks for more)', 30_000, 1, 3_600_000),
  webhookMaxAttempts: int('attempts before a delivery is dead-lettered', 40, 1, 10_000),
  webhookRetryHorizonMs: int('time after the first attempt after which a delivery is dead-lettered', 600_000, 1, 7 * 86_400_000),
  webhookConcurrency: int('concurrent requests per subscription', 4, 1, 256),
  notifierAlertPatienceMs: int('how long the alerts consumer waits for deliveries before it checkpoints the pending ones to the retry topic: the most a dead receiver can hold up the next alerts', 250, 0, 60_000),
  notifierRetryPatienceMs: int('how long the retry consumer waits for deliveries before it checkpoints them again', 20_000, 100, 25_000),
  notifierDeliveredSetSize: int('remembered (subscription, eventId) pairs that are not sent again by this process', 100_000, 100, 10_000_000),
  catalogFile: optionalStr('service catalog JSON (default schemas/catalog/services.json)'),
});
export type NotifierConfig = ConfigOf<typeof notifierConfig>;
