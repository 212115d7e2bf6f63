import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { InvalidFields } from './validation';

export interface GcoreErrorBody {
  exception_class: string;
  message: string;
  request_id: string;
  invalid_fields?: InvalidFields;
}

function gcoreErrorBody(exceptionClass: string, message: string, invalidFields?: InvalidFields): GcoreErrorBody {
  const body: GcoreErrorBody = { exception_class: exceptionClass, message, request_id: randomUUID() };
  if (invalidFields) body.invalid_fields = invalidFields;
  return body;
}

export function sendGcoreError(reply: FastifyReply, status: number, exceptionClass: string, message: string, invalidFields?: InvalidFields): FastifyReply {
  return reply.code(status).send(gcoreErrorBody(exceptionClass, message, invalidFields));
}

const CLASS_BY_STATUS: Record<number, string> = {
  400: 'ValidationError',
  401: 'AuthenticationFailed',
  403: 'ForbiddenError',
  404: 'NotFoundError',
  405: 'MethodNotAllowed',
  409: 'ConflictError',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
};

/** The default body of a fault answering `status` in Gcore's error shape. */
export function gcoreDefaultErrorBody(status: number, message?: string): GcoreErrorBody {
  const text = message ?? (status === 429 ? 'Request was throttled.' : `${status} ${STATUS_CODES[status] ?? 'Error'}`);
  return gcoreErrorBody(CLASS_BY_STATUS[status] ?? 'HTTPError', text);
}

/** Checks `Authorization: APIKey <key>` (scheme case-insensitive). Returns an error body or null. */
export function checkGcoreAuth(header: string | undefined, apiKey: string): GcoreErrorBody | null {
  const value = header?.trim();
  const space = value ? value.indexOf(' ') : -1;
  if (!value || space === -1 || value.slice(0, space).toLowerCase() !== 'apikey') {
    // DRF semantics: a header for another scheme counts as "no credentials".
    return gcoreErrorBody('NotAuthenticated', 'Authentication credentials were not provided.');
  }
  if (value.slice(space + 1).trim() !== apiKey) {
    return gcoreErrorBody('AuthenticationFailed', 'Bad permanent token: the token is invalid, expired or revoked.');
  }
  return null;
}
