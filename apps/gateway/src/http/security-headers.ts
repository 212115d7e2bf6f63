import helmet from '@fastify/helmet';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { AppConfig } from '@rpg/config';

/** Headers on every answer, including those written before or without Fastify's hooks (framework and client errors). */
export function edgeHeaders(requestId: string): Record<string, string> {
  return { 'x-request-id': requestId, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };
}

/** CORS only for the configured origins (none: no CORS headers at all); browsers may read our own response headers. */
export function allowConfiguredOrigins(app: NestFastifyApplication, config: AppConfig): void {
  if (config.corsOrigins.length) app.enableCors({ origin: config.corsOrigins, exposedHeaders: ['location', 'x-request-id', 'retry-after'] });
}

/** The edge headers on every routed answer, and helmet's (CSP and COEP left off, as the gateway has always served). */
export async function addSecurityHeaders(fastify: FastifyInstance): Promise<void> {
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.headers(edgeHeaders(request.id));
  });
  await fastify.register(helmet as never, { contentSecurityPolicy: false, crossOriginEmbedderPolicy: false });
}
