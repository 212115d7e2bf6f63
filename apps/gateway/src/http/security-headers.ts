import helmet, { HelmetOptions } from 'helmet';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { AppConfig } from '@rpg/config';

/** Headers on every answer, including those written before or without Fastify's hooks (framework and client errors). */
export function edgeHeaders(requestId: string): Record<string, string> {
  return { 'x-request-id': requestId, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };
}

/** Every method the API routes use. */
export const CORS_METHODS = ['GET', 'HEAD', 'POST', 'DELETE'];
/** Every request header the API reads (W3C trace context included). */
export const CORS_ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'idempotency-key',
  'prefer',
  'last-event-id',
  'x-request-id',
  'traceparent',
  'tracestate',
];
/** Every response header a client reads. */
export const CORS_EXPOSED_HEADERS = [
  'location',
  'x-request-id',
  'idempotent-replayed',
  'preference-applied',
  'retry-after',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
];
/** How long a browser may reuse a preflight answer (s). */
export const CORS_MAX_AGE_S = 600;

/**
 * CORS only for the configured origins (none: no CORS headers at all). No credentials: the API takes Bearer keys and
 * stream tokens, never cookies (the admin session cookie is SameSite=Strict and same-origin only).
 */
export function allowConfiguredOrigins(app: NestFastifyApplication, config: AppConfig): void {
  if (!config.corsOrigins.length) return;
  app.enableCors({
    origin: config.corsOrigins,
    methods: CORS_METHODS,
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: CORS_MAX_AGE_S,
    credentials: false,
  });
}

/** CSP and COEP left off, as the gateway has always served (the console and admin pages set their own CSP). */
const HELMET_OPTIONS: HelmetOptions = { contentSecurityPolicy: false, crossOriginEmbedderPolicy: false };

/**
 * The headers helmet's middleware sets with `options`, captured once: they depend on the options only, and building
 * the middleware per request (as @fastify/helmet does) was 5 % of the accept path's CPU.
 */
export function helmetHeaders(options: HelmetOptions = HELMET_OPTIONS): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(options)({} as never, response as never, () => undefined);
  return Object.freeze(headers);
}

/** The edge headers and helmet's on every routed answer. */
export function addSecurityHeaders(fastify: FastifyInstance): void {
  const fromHelmet = helmetHeaders();
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(fromHelmet).headers(edgeHeaders(request.id));
    done();
  });
}
