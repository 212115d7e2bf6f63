import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { PROBLEM_TYPE_BASE, problemTitle } from '@rpg/common';

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
  required: ['type', 'title', 'status', 'detail', 'requestId'],
  properties: {
    type: { type: 'string', description: 'A URI naming the kind of problem.' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string', description: 'The request path.' },
    requestId: { type: 'string', description: 'The x-request-id of the request.' },
    errors: {
      type: 'array',
      description: 'The fields at fault (400, 422).',
      items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

const REQUEST_ID = '9f2c1d3e-6a51-4e0b-9d8e-2a7c5b1f0e44';

/** One realistic answer per status, so each status in the docs shows its own problem. */
const EXAMPLES: Record<number, ProblemExample> = {
  400: {
    slug: 'validation-failed',
    detail: 'The request is invalid.',
    errors: [{ path: 'updates[0].changes.redirectHttpCode', message: 'must be one of 301, 302, 303, 307, 308' }],
  },
  401: { slug: 'unauthorized', detail: 'Send an API key as "Authorization: Bearer <key>".' },
  403: { slug: 'forbidden', detail: 'The API key "audit" lacks the scope "policies.write".' },
  404: { slug: 'not-found', detail: 'Operation op_01JD8X3Q4M5N6P7R8S9T0V1W2X does not exist (or has expired).' },
  409: { slug: 'delivery-in-progress', detail: 'This delivery is still being attempted; replay it once it has ended.' },
  413: { slug: 'body-too-large', detail: 'The body exceeds the 1 MiB limit.' },
  415: { slug: 'unsupported-media-type', detail: 'Send the body as application/json.' },
  422: {
    slug: 'unprocessable',
    detail: 'The policy type cannot be changed by an update.',
    errors: [{ path: 'updates[0].changes.policy.type', message: 'cannot change the policy type (policy-api-based-throttling)' }],
  },
  429: { slug: 'rate-limited', detail: 'Rate limit of 6000 requests per minute for this API key exceeded; retry in 12 s.' },
  503: { slug: 'storage-unavailable', detail: 'Storage is unavailable; nothing was accepted. Retry later.' },
};

interface ProblemExample {
  slug: string;
  detail: string;
  errors?: { path: string; message: string }[];
  /** Members beyond RFC 9457's (e.g. `items` of a revert's 409). */
  extra?: Record<string, unknown>;
  instance?: string;
}

/** RFC 9457 problem answers in the OpenAPI document, each status with an example of its own. */
export function ProblemResponses(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ProblemResponse(status, DESCRIPTIONS[status] ?? 'Problem', EXAMPLES[status] ?? { slug: 'problem', detail: 'The request failed.' }),
    ),
  );
}

/** One problem answer with its example (a route whose status means something specific, like revert's 409, passes its own). */
export function ProblemResponse(status: number, description: string, example: ProblemExample): MethodDecorator & ClassDecorator {
  const { slug, detail, errors, extra, instance } = example;
  return ApiResponse({
    status,
    description,
    content: {
      'application/problem+json': {
        schema: extra ? { ...PROBLEM_SCHEMA, additionalProperties: true } : PROBLEM_SCHEMA,
        example: {
          type: PROBLEM_TYPE_BASE + slug,
          title: problemTitle(status),
          status,
          detail,
          instance: instance ?? '/v1/...',
          requestId: REQUEST_ID,
          ...(errors ? { errors } : {}),
          ...(extra ?? {}),
        },
      },
    },
  });
}
