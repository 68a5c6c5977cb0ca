import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorResponse } from '../../../schemas/api/index';

/**
 * The one error type routes throw. Its body is the contract's ErrorResponse: a machine code,
 * the parameter at fault and a message that says what was wrong with it.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badParameter = (field: string, message: string) => new ApiError(400, 'BAD_PARAMETER', message, field);
export const notFound = (message: string, field?: string) => new ApiError(404, 'NOT_FOUND', message, field);

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function errorBody(statusCode: number, code: string, message: string, field?: string): ErrorResponse {
  return {
    statusCode,
    code,
    error: REASONS[statusCode] ?? (statusCode >= 500 ? 'Internal Server Error' : 'Bad Request'),
    message,
    ...(field === undefined ? {} : { field }),
  };
}

/** The subset of an ajv ErrorObject fastify hands over in `error.validation`. */
export interface ValidationIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/**
 * Turns ajv's errors into one sentence naming the parameter: `querystring.step must be one of
 * 1, 5, 15`. A union of literals fails as one `const` error per branch plus `anyOf`; those are
 * folded into the list of allowed values.
 */
export function describeValidation(context: string, issues: readonly ValidationIssue[]): { field: string; message: string } {
  const first = issues[0];
  if (!first) return { field: context, message: `${context} is invalid` };
  const path = first.instancePath.replace(/^\//, '').replaceAll('/', '.');
  let field = path;
  let reason: string;
  switch (first.keyword) {
    case 'additionalProperties':
      field = [path, String(first.params.additionalProperty)].filter(Boolean).join('.');
      reason = 'is not a known parameter';
      break;
    case 'required':
      field = [path, String(first.params.missingProperty)].filter(Boolean).join('.');
      reason = 'is required';
      break;
    case 'const':
    case 'enum':
    case 'anyOf': {
      const allowed = issues
        .filter((i) => i.instancePath === first.instancePath)
        .flatMap((i) => (i.keyword === 'const' ? [i.params.allowedValue] : i.keyword === 'enum' ? ((i.params.allowedValues as unknown[]) ?? []) : []));
      reason = allowed.length > 0 ? `must be one of ${allowed.map(String).join(', ')}` : (first.message ?? 'is invalid');
      break;
    }
    case 'pattern':
      reason = `must match ${String(first.params.pattern)}`;
      break;
    case 'type':
      reason = `must be ${first.params.type === 'integer' ? 'an integer' : `of type ${String(first.params.type)}`}`;
      break;
    case 'minimum':
    case 'maximum':
      reason = `must be ${first.keyword === 'minimum' ? '>=' : '<='} ${String(first.params.limit)}`;
      break;
    default:
      reason = first.message ?? 'is invalid';
  }
  const name = field || '(root)';
  return { field: name, message: `${context}.${name} ${reason}` };
}

/**
 * The one error handler: 4xx bodies name the parameter and the reason; 5xx bodies say only that
 * something failed (the details, with the request id, go to the log).
 */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ApiError, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof ApiError) {
      if (err.statusCode >= 500) {
        request.log.error({ err, cause: err.cause }, 'request failed');
        return reply.code(err.statusCode).send(errorBody(err.statusCode, err.code, `${err.message} (request ${request.id})`));
      }
      return reply.code(err.statusCode).send(errorBody(err.statusCode, err.code, err.message, err.field));
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const { field, message } = describeValidation(fe.validationContext ?? 'request', fe.validation as ValidationIssue[]);
      return reply.code(400).send(errorBody(400, 'BAD_PARAMETER', message, field));
    }
    const status = typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 600 ? fe.statusCode : 500;
    if (status < 500) {
      // fastify's own client errors (bad content type, body too large, ...) carry a safe message.
      return reply.code(status).send(errorBody(status, fe.code ?? 'BAD_REQUEST', fe.message));
    }
    request.log.error({ err }, 'request failed');
    return reply.code(status).send(errorBody(status, status === 503 ? 'UNAVAILABLE' : 'INTERNAL', `internal error (request ${request.id})`));
  });
}
