/**
 * The detector service's configuration: the shared variables, the service's own (port, groups,
 * cadence), and the core's tunables. Everything the core exposes can be overridden with
 * DOWNRADAR_DETECTOR_CONFIG_JSON (a partial DetectorConfig); the variables that people change
 * most have their own names and win over the JSON.
 */
import { hostname } from 'node:os';
import { baseConfig, ConfigError, defineConfig, envName, int, num, optionalStr, str, type ConfigOf } from '@downradar/common/config';
import { DetectorConfigError, resolveDetectorConfig, type DeepPartial, type DetectorConfig } from './core/config';

const GROUP_PATTERN = /^[A-Za-z0-9._-]{1,200}$/;

export const detectorConfigSpec = defineConfig({
  ...baseConfig,
  detectorHost: str('address of the detector\'s /healthz, /readyz, /metrics and /debug', '127.0.0.1'),
  detectorPort: int('port of the detector\'s HTTP endpoints (0 = any free port)', 8084, 0, 65535),
  detectorInstance: optionalStr('name of this instance, stable across restarts (default: <host name>-<port>); names its trend checkpoint and Kafka client', {
    pattern: /^[A-Za-z0-9._-]{1,100}$/,
  }),
  detectorGroupId: str('consumer group of the scoring stage (downradar.signals)', 'downradar-detector', { pattern: GROUP_PATTERN }),
  detectorIncidentsGroupId: str('consumer group of the incident stage (one active member)', 'downradar-incidents', { pattern: GROUP_PATTERN }),
  detectorWindowMs: int('window length in ms: whole seconds from 10 s to 15 min that divide a day', 60_000, 10_000, 900_000),
  detectorAllowedLatenessMs: int('watermark lag: events later than this go to the DLQ as LATE_EVENT', 15_000, 0, 86_400_000),
  detectorIdleTimeoutMs: int('with no signal for this long (wall clock), event time is assumed to follow the clock (0 = never)', 60_000, 0, 86_400_000),
  detectorPriorScale: num('multiplies the catalog\'s baselinePerMinute priors (the demo replays at 0.01 of real volume)', 1, 1e-9, 1e9),
  detectorConfigJson: optionalStr('JSON of a partial core DetectorConfig (levels, baseline, incidents, trends, ...)'),
  detectorTickMs: int('how often idle partitions are advanced by the clock and announced', 1000, 50, 60_000),
  detectorEmptyPartitionIdleMs: int('a partition without any signal stops holding back incident grouping after this long', 10_000, 0, 3_600_000),
  detectorSessionTimeoutMs: int('Kafka session timeout of both groups: how long a dead instance holds its partitions', 30_000, 6_000, 300_000),
  detectorProcesses: int(
    'processes of the detector, each an instance of its own in both consumer groups (one per core; trends are then counted per instance, see README)',
    1,
    1,
    64,
  ),
  detectorQuietCommitMs: int(
    'the incident stage commits a batch that publishes no incident event at most this long after it (0 = each batch at once); a restart reads such batches again',
    1000,
    0,
    60_000,
  ),
  detectorFetchWaitMs: int(
    'longest the broker holds a fetch of either stage that finds nothing new; it answers as soon as a record comes, so this bounds idle fetches, not latency',
    500,
    10,
    5_000,
  ),
  detectorFetchMinBytes: int(
    'the scoring stage\'s fetches wait (up to DOWNRADAR_DETECTOR_FETCH_WAIT_MS) for this many bytes of signals: larger batches, fewer transactions, at the price of up to that wait before a signal is scored (1 = answer at the first record); the incident stage always answers at the first record',
    1,
    1,
    64 * 1024 * 1024,
  ),
  detectorOffsetCommitMs: int(
    'the scoring stage puts its consumed offsets into a small transaction at most this often a partition, and commits them to the group between transactions otherwise (the checkpoint holds the offset in every transaction; 0 = in every transaction)',
    1000,
    0,
    60_000,
  ),
  detectorMaxBatchBytes: int('largest fetch per partition (bigger batches = fewer transactions under load)', 8 * 1024 * 1024, 65_536, 256 * 1024 * 1024),
});

export type DetectorServiceConfig = ConfigOf<typeof detectorConfigSpec>;

/**
 * The instance name: DOWNRADAR_DETECTOR_INSTANCE, else `<host name>-<port>` made safe for Kafka ids
 * (two instances on one host need different ports, so they get different names, and a restarted
 * instance gets its old name back and with it its trend checkpoint); `-w<n>` for worker n of a
 * detector that runs as several processes.
 */
export function instanceName(config: Pick<DetectorServiceConfig, 'detectorInstance' | 'detectorPort'>, worker?: number): string {
  // The workers of one process (DOWNRADAR_DETECTOR_PROCESSES) are instances of their own.
  const suffix = worker === undefined ? '' : `-w${worker}`;
  if (config.detectorInstance !== undefined) return config.detectorInstance + suffix;
  const host = hostname().replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 90) || 'detector';
  return `${host}-${config.detectorPort}${suffix}`;
}

/**
 * The core settings that have a variable of their own (core path -> config key): they win over
 * DOWNRADAR_DETECTOR_CONFIG_JSON, and a value the core refuses is reported under their variable.
 */
const NAMED_CORE_SETTINGS = {
  windowMs: 'detectorWindowMs',
  allowedLatenessMs: 'detectorAllowedLatenessMs',
  idleTimeoutMs: 'detectorIdleTimeoutMs',
  'baseline.priorScale': 'detectorPriorScale',
} as const satisfies Record<string, keyof DetectorServiceConfig>;

/**
 * The core config this service runs with: the JSON overrides, then the named variables.
 * Validated here, at boot, so that a wrong value stops the process with the variable's name.
 */
export function coreConfigOf(config: DetectorServiceConfig): DetectorConfig {
  let overrides: DeepPartial<DetectorConfig> = {};
  if (config.detectorConfigJson !== undefined) {
    try {
      overrides = JSON.parse(config.detectorConfigJson) as DeepPartial<DetectorConfig>;
    } catch (err) {
      throw new ConfigError(envName('detectorConfigJson'), `is not JSON: ${(err as Error).message}`);
    }
    if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
      throw new ConfigError(envName('detectorConfigJson'), 'must be a JSON object (a partial DetectorConfig)');
    }
  }
  const partial: Record<string, unknown> = { ...overrides };
  for (const [path, key] of Object.entries(NAMED_CORE_SETTINGS)) {
    const [head, leaf] = path.split('.') as [string, string | undefined];
    if (leaf === undefined) partial[head] = config[key];
    else partial[head] = { ...(partial[head] as object | undefined), [leaf]: config[key] };
  }
  try {
    return resolveDetectorConfig(partial as DeepPartial<DetectorConfig>);
  } catch (err) {
    if (!(err instanceof DetectorConfigError)) throw err;
    const key: keyof DetectorServiceConfig = (NAMED_CORE_SETTINGS as Record<string, keyof DetectorServiceConfig>)[err.path] ?? 'detectorConfigJson';
    throw new ConfigError(envName(key), `is invalid: ${err.message}`);
  }
}
