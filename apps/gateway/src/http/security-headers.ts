import helmet from '@fastify/helmet';
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

/** The edge headers on every routed answer, and helmet's (CSP and COEP left off, as the gateway has always served). */
export async function addSecurityHeaders(fastify: FastifyInstance): Promise<void> {
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.headers(edgeHeaders(request.id));
  });
  await fastify.register(helmet as never, { contentSecurityPolicy: false, crossOriginEmbedderPolicy: false });
}
