import { HttpException } from '@nestjs/common';
import { isRedisUnavailableError } from '@rpg/redis';
import { PROBLEM_TYPE_BASE, ProblemDetails, ProblemException, ProblemSpec, problemTitle } from './problem';

/**
 * The one error-to-problem mapper: every path that answers an error (Nest's exception filter, Fastify's error and
 * framework-error handlers, the HTTP parser's client errors, Bull Board's auth) renders through here.
 */

export interface MappedProblem {
  problem: ProblemDetails;
  headers?: Record<string, string>;
}

/** Redis (our storage) is away: nothing was stored or read, the client may retry. */
export const STORAGE_UNAVAILABLE = (): ProblemException =>
  new ProblemException({
    status: 503,
    slug: 'storage-unavailable',
    detail: 'Storage is unavailable; nothing was accepted. Retry later.',
    headers: { 'retry-after': '5' },
  });

/** Errors known by their `code`: Fastify's own (body parsing, size, media type, URL) and Node's HTTP parser's. */
const CODED_ERRORS: Record<string, ProblemSpec> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, slug: 'malformed-json', detail: 'The body is not valid JSON.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, slug: 'malformed-json', detail: 'The body is empty but Content-Type is application/json.' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, slug: 'body-too-large', detail: 'The body exceeds the 1 MiB limit.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, slug: 'unsupported-media-type', detail: 'Send the body as application/json.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, slug: 'bad-content-length', detail: 'Content-Length does not match the body.' },
  FST_ERR_CTP_INVALID_TYPE: { status: 400, slug: 'bad-content-type', detail: 'The Content-Type header is invalid.' },
  FST_ERR_BAD_URL: { status: 400, slug: 'bad-url', detail: 'The URL path is not valid (e.g. a malformed percent-encoding).' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, slug: 'uri-too-long', detail: 'A path parameter is longer than the gateway accepts (100 characters).' },
  FST_ERR_ASYNC_CONSTRAINT: { status: 400, slug: 'bad-request', detail: 'The request is invalid.' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, slug: 'request-timeout', detail: 'The request was not received in time.' },
  HPE_HEADER_OVERFLOW: { status: 431, slug: 'headers-too-large', detail: 'The request headers are too large.' },
};

/** Any other error of Node's HTTP parser: the bytes are not HTTP. */
const NOT_HTTP: ProblemSpec = { status: 400, slug: 'bad-request', detail: 'The request is not valid HTTP (e.g. a header holds forbidden characters).' };

const INTERNAL_ERROR: ProblemSpec = { status: 500, slug: 'internal-error', detail: 'An unexpected error occurred. Quote the requestId when reporting it.' };

/** Longest request path echoed as a problem's `instance`: a hostile 100 KB URL is not sent back. */
export const MAX_INSTANCE_LENGTH = 128;

/** The request path (no query) as `instance`: bytes outside printable ASCII percent-escaped, cut at 128 characters. */
function problemInstance(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const path = url
    .split('?')[0]
    .replace(/[^\x21-\x7e]/g, (c) => (c.charCodeAt(0) < 256 ? '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0') : '%3F'));
  return path.length > MAX_INSTANCE_LENGTH ? path.slice(0, MAX_INSTANCE_LENGTH) + '...' : path;
}

/** The problem any thrown value answers, for the request it interrupted. */
export function toProblem(exception: unknown, request: { url?: string; id?: string }): MappedProblem {
  return render(problemSpecOf(exception), request);
}

/** The problem for an error Node's HTTP parser raised before any routing (a client error: never a 5xx). */
export function clientErrorProblem(error: { code?: string }, requestId: string): ProblemDetails {
  return render(CODED_ERRORS[error.code ?? ''] ?? NOT_HTTP, { url: '/', id: requestId }).problem;
}

function render(spec: ProblemSpec, request: { url?: string; id?: string }): MappedProblem {
  const { status, slug, detail, errors, extra, headers } = spec;
  const problem: ProblemDetails = {
    type: PROBLEM_TYPE_BASE + slug,
    title: problemTitle(status),
    status,
    detail,
    instance: problemInstance(request.url),
    requestId: request.id,
    ...(errors ? { errors } : {}),
    ...(extra ?? {}),
  };
  return { problem, headers };
}

function problemSpecOf(exception: unknown): ProblemSpec {
  if (exception instanceof ProblemException) {
    const { slug, detail, errors, extra, headers } = exception;
    return { status: exception.getStatus(), slug, detail, errors, extra, headers };
  }
  if (isRedisUnavailableError(exception)) return problemSpecOf(STORAGE_UNAVAILABLE());
  const code = (exception as { code?: string } | null)?.code;
  const coded = code ? CODED_ERRORS[code] : undefined;
  if (coded) return coded;
  const statusCode = (exception as { statusCode?: number } | null)?.statusCode;
  if (exception instanceof SyntaxError || statusCode === 400) {
    // a JSON parse error from a parser other than the gateway's own (which answers prototype keys with their path)
    return /prototype/i.test((exception as Error).message ?? '')
      ? { status: 400, slug: 'forbidden-property', detail: 'The body contains a forbidden property (__proto__ or constructor.prototype).' }
      : { status: 400, slug: 'malformed-json', detail: 'The body is not valid JSON.' };
  }
  if (exception instanceof HttpException) return httpExceptionSpec(exception);
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return { status: statusCode, slug: 'http-' + statusCode, detail: problemTitle(statusCode) };
  }
  return INTERNAL_ERROR;
}

function httpExceptionSpec(exception: HttpException): ProblemSpec {
  const status = exception.getStatus();
  const response = exception.getResponse() as { status?: unknown; details?: unknown; error?: unknown } | string;
  if (status === 503 && typeof response === 'object' && response?.status === 'error' && response.details) {
    // @nestjs/terminus readiness: keep which check is down (no stack, just the indicator states)
    const down = Object.keys((response.error as object) ?? {});
    return {
      status,
      slug: 'not-ready',
      detail: `Not ready: ${down.join(', ') || 'a check'} down.`,
      extra: { checks: response.details },
      headers: { 'retry-after': '5' },
    };
  }
  if (status === 404) return { status, slug: 'not-found', detail: 'No route or resource matches this request.' };
  return { status, slug: 'http-' + status, detail: typeof response === 'string' ? response : exception.message };
}
