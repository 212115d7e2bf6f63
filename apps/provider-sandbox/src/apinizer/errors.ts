import type { FastifyReply } from 'fastify';

export interface ValidationIssue {
  field: string;
  message: string;
}

export interface ApinizerErrorBody {
  error: string;
  error_description: string;
  validation_errors?: ValidationIssue[];
  retry_after?: number;
}

export function sendApinizerError(reply: FastifyReply, status: number, error: string, description: string, validationErrors?: ValidationIssue[]): FastifyReply {
  const body: ApinizerErrorBody = { error, error_description: description };
  if (validationErrors?.length) body.validation_errors = validationErrors;
  return reply.code(status).send(body);
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'invalid_token',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  415: 'bad_request',
};

/** The default body of a fault answering `status` in Apinizer's error shape. */
export function apinizerDefaultErrorBody(status: number, headers?: Record<string, string>, description?: string): ApinizerErrorBody {
  if (status === 429) {
    const header = headers && Object.entries(headers).find(([k]) => k.toLowerCase() === 'retry-after')?.[1];
    const seconds = header !== undefined && /^\d+$/.test(header.trim()) ? Number(header) : 1;
    return { error: 'rate_limit_exceeded', error_description: description ?? 'Rate limit exceeded. Try again later.', retry_after: seconds };
  }
  return {
    error: CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'bad_request'),
    error_description: description ?? (status >= 500 ? 'An internal error occurred.' : `Request failed with status ${status}.`),
  };
}
