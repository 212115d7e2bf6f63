import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isRedisUnavailableError } from '@rpg/redis';
import { PROBLEM_TYPE_BASE, ProblemDetails, ProblemException, problemTitle } from './problem';

/** Redis (our storage) is away: nothing was stored or read, the client may retry. */
export const STORAGE_UNAVAILABLE = (): ProblemException =>
  new ProblemException(503, 'storage-unavailable', 'Storage is unavailable; nothing was accepted. Retry later.', undefined, undefined, { 'retry-after': '5' });

/** Fastify's own client errors (body parsing, size, media type) mapped to problem slugs. */
const FASTIFY_CODES: Record<string, { status: number; slug: string; detail: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, slug: 'malformed-json', detail: 'The body is not valid JSON.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, slug: 'malformed-json', detail: 'The body is empty but Content-Type is application/json.' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, slug: 'body-too-large', detail: 'The body exceeds the 1 MiB limit.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, slug: 'unsupported-media-type', detail: 'Send the body as application/json.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, slug: 'bad-content-length', detail: 'Content-Length does not match the body.' },
  FST_ERR_CTP_INVALID_TYPE: { status: 400, slug: 'bad-content-type', detail: 'The Content-Type header is invalid.' },
  FST_ERR_BAD_URL: { status: 400, slug: 'bad-url', detail: 'The URL path is not valid (e.g. a malformed percent-encoding).' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, slug: 'uri-too-long', detail: 'A path parameter is longer than the gateway accepts (100 characters).' },
  FST_ERR_ASYNC_CONSTRAINT: { status: 400, slug: 'bad-request', detail: 'The request is invalid.' },
};

/** Longest request path echoed as a problem's `instance`: a hostile 100 KB URL is not sent back. */
export const MAX_INSTANCE_LENGTH = 128;

/** The request path (no query) as `instance`: bytes outside printable ASCII percent-escaped, cut at 128 characters. */
export function problemInstance(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const path = url.split('?')[0].replace(/[^\x21-\x7e]/g, (c) => (c.charCodeAt(0) < 256 ? '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0') : '%3F'));
  return path.length > MAX_INSTANCE_LENGTH ? path.slice(0, MAX_INSTANCE_LENGTH) + '...' : path;
}

export function toProblem(exception: unknown, request: { url?: string; id?: string }): { problem: ProblemDetails; headers?: Record<string, string> } {
  const instance = problemInstance(request.url);
  const requestId = request.id;
  if (exception instanceof ProblemException) {
    return {
      problem: {
        type: PROBLEM_TYPE_BASE + exception.slug,
        title: problemTitle(exception.getStatus()),
        status: exception.getStatus(),
        detail: exception.detail,
        instance,
        requestId,
        ...(exception.errors ? { errors: exception.errors } : {}),
        ...(exception.extra ?? {}),
      },
      headers: exception.headers,
    };
  }
  if (isRedisUnavailableError(exception)) return toProblem(STORAGE_UNAVAILABLE(), request);
  const code = (exception as { code?: string } | null)?.code;
  const fastify = code ? FASTIFY_CODES[code] : undefined;
  if (fastify) {
    return { problem: { type: PROBLEM_TYPE_BASE + fastify.slug, title: problemTitle(fastify.status), status: fastify.status, detail: fastify.detail, instance, requestId } };
  }
  if (exception instanceof SyntaxError || (exception as { statusCode?: number })?.statusCode === 400) {
    // a JSON parse error from a parser other than the gateway's own (which answers prototype keys with their path)
    const message = (exception as Error).message ?? '';
    const slug = /prototype/i.test(message) ? 'forbidden-property' : 'malformed-json';
    const detail = slug === 'forbidden-property' ? 'The body contains a forbidden property (__proto__ or constructor.prototype).' : 'The body is not valid JSON.';
    return { problem: { type: PROBLEM_TYPE_BASE + slug, title: problemTitle(400), status: 400, detail, instance, requestId } };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse() as { status?: unknown; details?: unknown; error?: unknown } | string;
    if (status === 503 && typeof response === 'object' && response?.status === 'error' && response.details) {
      // @nestjs/terminus readiness: keep which check is down (no stack, just the indicator states)
      const down = Object.keys((response.error as object) ?? {});
      return {
        problem: { type: PROBLEM_TYPE_BASE + 'not-ready', title: problemTitle(503), status, detail: `Not ready: ${down.join(', ') || 'a check'} down.`, instance, requestId, checks: response.details },
        headers: { 'retry-after': '5' },
      };
    }
    const detail = status === 404 ? 'No route or resource matches this request.' : typeof exception.getResponse() === 'string' ? (exception.getResponse() as string) : exception.message;
    return { problem: { type: PROBLEM_TYPE_BASE + (status === 404 ? 'not-found' : 'http-' + status), title: problemTitle(status), status, detail, instance, requestId } };
  }
  const statusCode = (exception as { statusCode?: number })?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return { problem: { type: PROBLEM_TYPE_BASE + 'http-' + statusCode, title: problemTitle(statusCode), status: statusCode, detail: problemTitle(statusCode), instance, requestId } };
  }
  return {
    problem: { type: PROBLEM_TYPE_BASE + 'internal-error', title: problemTitle(500), status: 500, detail: 'An unexpected error occurred. Quote the requestId when reporting it.', instance, requestId },
  };
}

export function sendProblem(reply: FastifyReply, problem: ProblemDetails, headers?: Record<string, string>): void {
  if (headers) for (const [k, v] of Object.entries(headers)) void reply.header(k, v);
  void reply.status(problem.status).header('content-type', 'application/problem+json; charset=utf-8').send(JSON.stringify(problem));
}

/** Renders every error as RFC 9457 application/problem+json; never an HTML page or a stack trace. */
@Catch()
export class ProblemExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const { problem, headers } = toProblem(exception, request);
    if (problem.status >= 500) {
      this.logger.error({ err: exception, requestId: request.id }, 'request failed');
    }
    sendProblem(reply, problem, headers);
  }
}
