/**
 * Every HTTP error downradar answers, from every service, has one body: the ErrorResponse of
 * schemas/api, `{statusCode, code, error, message, field?}`: a machine code, the field or
 * parameter at fault, and a message that says what was wrong with it. 5xx bodies say only that
 * something failed; the details go to the log.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorResponse } from '../../../../schemas/api/index';
import { describeIssues, type ValidationIssue } from '../validate';

/** The error routes throw for a request they refuse; the error handler renders it. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
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

/**
 * A schema failure as one sentence naming the field: `querystring.step must be one of 1, 5, 15`,
 * `body.country must match ^[A-Z]{2}$`. A body has fields; a query string, path or headers have
 * parameters.
 */
export function describeValidation(context: string, issues: readonly ValidationIssue[]): { field: string; message: string } {
  const { field, reason } = describeIssues(issues, context === 'body' ? 'field' : 'parameter');
  // The whole body (or query string) at fault: `body must be of type object`.
  const whole = field === '(body)' || field === '(root)';
  return { field, message: whole ? `${context} ${reason}` : `${context}.${field} ${reason}` };
}

/** The code of a schema failure: a bad body field, or a bad parameter (query string, path, headers). */
const validationCode = (context: string) => (context === 'body' ? 'BAD_FIELD' : 'BAD_PARAMETER');

export interface ErrorHandlerOptions {
  /** What a 415 says is accepted instead, e.g. "application/json". */
  accepts?: string;
}

/**
 * The one error handler: HttpErrors as they were thrown; schema failures as 400 naming the field;
 * fastify's own client errors (bad content type, body too large, ...) with their safe message;
 * anything else as a 500 that names the request id, whose details are in the log. An HttpError
 * of 5xx that carries a cause (a failing dependency) is logged the same way.
 */
export function installErrorHandler(app: FastifyInstance, options: ErrorHandlerOptions = {}): void {
  app.setErrorHandler((err: FastifyError | HttpError, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof HttpError) {
      for (const [name, value] of Object.entries(err.headers)) reply.header(name, value);
      if (err.statusCode >= 500 && err.cause !== undefined) {
        request.log.error({ err: err.message, cause: (err.cause as Error)?.message ?? err.cause }, 'request failed');
        return reply.code(err.statusCode).send(errorBody(err.statusCode, err.code, `${err.message} (request ${request.id})`, err.field));
      }
      return reply.code(err.statusCode).send(errorBody(err.statusCode, err.code, err.message, err.field));
    }
    if (err.validation) {
      const context = err.validationContext ?? 'request';
      const { field, message } = describeValidation(context, err.validation as ValidationIssue[]);
      return reply.code(400).send(errorBody(400, validationCode(context), message, field));
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status === 413) return reply.code(413).send(errorBody(413, 'BODY_TOO_LARGE', err.message, '(body)'));
    if (status === 415) {
      const type = request.headers['content-type'] ?? '(none)';
      const message = `content-type ${type} is not accepted here${options.accepts ? ` (use ${options.accepts})` : ''}`;
      return reply.code(415).send(errorBody(415, 'UNSUPPORTED_CONTENT_TYPE', message, 'content-type'));
    }
    if (status === 429) return reply.code(429).send(errorBody(429, 'RATE_LIMITED', err.message));
    // fastify's content-type parser errors (FST_ERR_CTP_*) are about the body.
    if (status < 500) return reply.code(status).send(errorBody(status, err.code ?? 'BAD_REQUEST', err.message, err.code?.startsWith('FST_ERR_CTP') ? '(body)' : undefined));
    request.log.error({ err }, 'request failed');
    return reply.code(status).send(errorBody(status, status === 503 ? 'UNAVAILABLE' : 'INTERNAL', `internal error (request ${request.id})`));
  });
}

/** A 404 in the same shape, naming the route that does not exist. */
export function installNotFoundHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    return reply.code(404).send(errorBody(404, 'NOT_FOUND', `no route ${request.method} ${path}`));
  });
}
