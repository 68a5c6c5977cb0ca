import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Secrets never reach a log line: the redact paths cover API keys,
 * auth headers, passwords and raw reporter ids wherever they appear in a logged object.
 */
export const REDACT_PATHS = [
  'apiKey',
  '*.apiKey',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'reporterId',
  '*.reporterId',
  'headers["x-api-key"]',
  'headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.authorization',
];

/** Where log lines go instead of stdout (tests capture a service's lines to assert on them). */
export interface LogDestination {
  write(line: string): void;
}

export function createLogger(service: string, level = process.env.DOWNRADAR_LOG_LEVEL ?? 'info', destination?: LogDestination): Logger {
  const options = {
    name: service,
    level,
    base: { service },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
