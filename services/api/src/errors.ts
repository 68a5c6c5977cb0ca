/**
 * The API's two everyday refusals. Errors are common's HttpError, rendered by common's one error
 * handler as the contract's ErrorResponse: a machine code, the parameter at fault and a message
 * that says what was wrong with it.
 */
import { HttpError } from '@downradar/common/http';

export const badParameter = (field: string, message: string) => new HttpError(400, 'BAD_PARAMETER', message, field);
export const notFound = (message: string, field?: string) => new HttpError(404, 'NOT_FOUND', message, field);
