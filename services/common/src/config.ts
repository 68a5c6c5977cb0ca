/**
 * Configuration from the environment, one schema per service.
 *
 * Every variable is prefixed DOWNRADAR_. A service declares the variables it reads with
 * `defineConfig({...})`; `loadConfig` reads, coerces and validates them at boot and throws a
 * ConfigError that names the variable and says what is wrong, so `main()` can print it and
 * stop instead of failing later with a confusing connection error.
 */
import { dataDir } from './lifecycle';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Spec<T> = {
  kind: 'string' | 'int' | 'number' | 'bool' | 'list' | 'enum';
  default?: T;
  /** Optional variables without default come back as undefined. */
  optional?: boolean;
  min?: number;
  max?: number;
  pattern?: RegExp;
  values?: readonly string[];
  description: string;
  /** Secret values are never printed by describeConfig. */
  secret?: boolean;
};

export const str = (description: string, d?: string, extra: Partial<Spec<string>> = {}): Spec<string> => ({
  kind: 'string',
  description,
  ...(d === undefined ? {} : { default: d }),
  ...extra,
});
export const optionalStr = (description: string, extra: Partial<Spec<string>> = {}): Spec<string | undefined> => ({
  kind: 'string',
  description,
  optional: true,
  ...extra,
}) as Spec<string | undefined>;
export const int = (description: string, d: number, min = -Infinity, max = Infinity): Spec<number> => ({
  kind: 'int',
  description,
  default: d,
  min,
  max,
});
export const num = (description: string, d: number, min = -Infinity, max = Infinity): Spec<number> => ({
  kind: 'number',
  description,
  default: d,
  min,
  max,
});
export const bool = (description: string, d: boolean): Spec<boolean> => ({ kind: 'bool', description, default: d });
export const list = (description: string, d: string[]): Spec<string[]> => ({ kind: 'list', description, default: d });
export const oneOf = <V extends string>(description: string, values: readonly V[], d: V): Spec<V> => ({
  kind: 'enum',
  description,
  values,
  default: d,
});

export type ConfigSpec = Record<string, Spec<unknown>>;
export type ConfigOf<S extends ConfigSpec> = { [K in keyof S]: S[K] extends Spec<infer T> ? T : never };

/** The environment variable a config key is read from: kafkaBrokers -> DOWNRADAR_KAFKA_BROKERS. */
export function envName(key: string): string {
  return 'DOWNRADAR_' + key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

export function defineConfig<S extends ConfigSpec>(spec: S): S {
  return spec;
}

export function loadConfig<S extends ConfigSpec>(spec: S, env: NodeJS.ProcessEnv = process.env): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(spec)) {
    const name = envName(key);
    const raw = env[name];
    if (raw === undefined || raw === '') {
      if (s.default !== undefined) out[key] = s.default;
      else if (s.optional) out[key] = undefined;
      else throw new ConfigError(name, `is required (${s.description})`);
      continue;
    }
    out[key] = coerce(name, raw, s);
  }
  return out as ConfigOf<S>;
}

function coerce(name: string, raw: string, s: Spec<unknown>): unknown {
  switch (s.kind) {
    case 'string':
      if (s.pattern && !s.pattern.test(raw)) throw new ConfigError(name, `must match ${s.pattern} (got "${raw}")`);
      return raw;
    case 'int':
    case 'number': {
      const n = Number(raw);
      if (!Number.isFinite(n) || (s.kind === 'int' && !Number.isInteger(n)))
        throw new ConfigError(name, `must be ${s.kind === 'int' ? 'an integer' : 'a number'} (got "${raw}")`);
      if (s.min !== undefined && n < s.min) throw new ConfigError(name, `must be at least ${s.min} (got ${n})`);
      if (s.max !== undefined && n > s.max) throw new ConfigError(name, `must be at most ${s.max} (got ${n})`);
      return n;
    }
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      throw new ConfigError(name, `must be true or false (got "${raw}")`);
    case 'list':
      return raw
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x.length > 0);
    case 'enum':
      if (!s.values?.includes(raw)) throw new ConfigError(name, `must be one of ${s.values?.join(', ')} (got "${raw}")`);
      return raw;
  }
}

/** A table of the variables, for --help output and the README. Secrets are not shown. */
export function describeConfig(spec: ConfigSpec): string {
  return Object.entries(spec)
    .map(([key, s]) => `${envName(key).padEnd(40)} ${s.secret ? '(secret)' : JSON.stringify(s.default ?? null)}  ${s.description}`)
    .join('\n');
}

/**
 * The services' ClickHouse account. infra/clickhouse/users.sh generates its password into
 * <data>/clickhouse-password when the stack starts; everything that connects as the services
 * (services, migrations, tests, benchmarks) reads it from there unless told otherwise.
 */
export const clickhouseAccountConfig = defineConfig({
  clickhouseUser: str('ClickHouse account of the services', 'downradar'),
  clickhousePassword: optionalStr('password of that account (default: the content of DOWNRADAR_CLICKHOUSE_PASSWORD_FILE)', { secret: true }),
  clickhousePasswordFile: str('file with the password of the services account (written by infra/clickhouse when the stack starts)', `${dataDir}/clickhouse-password`),
});

/** Variables shared by every service. Each service spreads these into its own spec. */
export const baseConfig = defineConfig({
  kafkaBrokers: list('Kafka bootstrap servers', ['127.0.0.1:9092']),
  topicPrefix: str('prefix of every topic name (downradar.reports, ...)', 'downradar', { pattern: /^[A-Za-z0-9._-]{1,100}$/ }),
  kafkaPartitions: int('partitions of each topic when it is created', 6, 1, 1000),
  kafkaReplicationFactor: int('replicas of each topic when it is created (1 on one broker, 3 in cluster mode)', 1, 1, 100),
  kafkaMinInsyncReplicas: int(
    'min.insync.replicas of each topic when it is created: an acks=all write is acknowledged once this many replicas have it (2 in cluster mode)',
    1,
    1,
    100,
  ),
  clickhouseUrl: str(
    'ClickHouse HTTP endpoint, or several comma-separated (replicas of one shard): a request that cannot reach one goes to the next',
    'http://127.0.0.1:8123',
  ),
  clickhouseCluster: str(
    'ClickHouse cluster of the replicas (cluster mode): migrations run ON CLUSTER with Replicated tables; empty = one server',
    '',
    { pattern: /^(?:[A-Za-z_][A-Za-z0-9_]{0,63})?$/ },
  ),
  clickhouseDatabase: str('ClickHouse database', 'downradar', { pattern: /^[A-Za-z_][A-Za-z0-9_]{0,63}$/ }),
  ...clickhouseAccountConfig,
  logLevel: oneOf('log level', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const, 'info'),
});

/** Print a ConfigError and exit 1; anything else is rethrown. For main() functions. */
export function exitOnConfigError(err: unknown): never {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
