/**
 * Errors from infrastructure say whether a retry can help. Callers branch on `retriable`
 * (back off and retry, or pause the partition) instead of parsing messages.
 */
export class InfraError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'InfraError';
  }
}

const RETRIABLE_KAFKA = new Set([
  'KafkaJSConnectionError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSConnectionClosedError',
  'KafkaJSNonRetriableError', // kafkajs wraps exhausted retries of retriable errors in this too
  'KafkaJSProtocolError',
]);

/** Normalise anything kafkajs throws into an InfraError. */
export function kafkaError(err: unknown, what: string): InfraError {
  if (err instanceof InfraError) return err;
  const e = err as { name?: string; message?: string; retriable?: boolean; type?: string };
  const name = e?.name ?? 'Error';
  const retriable = e?.retriable === true || RETRIABLE_KAFKA.has(name);
  return new InfraError(`${what}: ${e?.message ?? String(err)}`, retriable, e?.type ?? name, { cause: err });
}
