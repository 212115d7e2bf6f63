import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: `errors` lists each field path and message.',
  401: 'Missing or unknown API key.',
  403: 'The API key lacks the scope.',
  404: 'Not found.',
  409: 'Conflict.',
  413: 'Body over 1 MiB.',
  415: 'Body is not application/json.',
  422: 'Understood but cannot be processed (e.g. merge rules).',
  429: 'Too many requests.',
  503: 'Storage (Redis) unavailable: nothing was accepted.',
};

const PROBLEM_SCHEMA = {
  type: 'object',
  properties: {
    type: { type: 'string', example: 'https://routing-policy-gateway.dev/problems/validation-failed' },
    title: { type: 'string', example: 'Bad Request' },
    status: { type: 'integer', example: 400 },
    detail: { type: 'string', example: 'The request is invalid.' },
    instance: { type: 'string', example: '/v1/routing-policy-updates' },
    requestId: { type: 'string', example: '9f2c1d3e-6a51-4e0b-9d8e-2a7c5b1f0e44' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          path: { type: 'string', example: 'updates[0].changes.redirectHttpCode' },
          message: { type: 'string', example: 'must be one of 301, 302, 303, 307, 308' },
        },
      },
    },
  },
};

/** RFC 9457 problem answers in the OpenAPI document. */
export function ProblemResponses(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status] ?? 'Problem', content: { 'application/problem+json': { schema: PROBLEM_SCHEMA } } }),
    ),
  );
}
