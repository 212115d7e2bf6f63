import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { createValidationPipe, sendProblem, toProblem } from '@rpg/common';
import { AppConfig } from '@rpg/config';
import { GatewayMetrics, PinoNestLogger, createLogger } from '@rpg/observability';
import { isRedisUnavailableError } from '@rpg/redis';
import { ProblemException } from '@rpg/common';
import { GatewayModule } from './gateway.module';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
export const BODY_LIMIT = 1024 * 1024;

/** Builds the gateway (Fastify adapter) — used by main.ts and by the end-to-end tests. */
export async function createGatewayApp(config: AppConfig, logger: Logger = createLogger(config.logLevel, 'gateway')): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    requestIdHeader: false,
    trustProxy: false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  });
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot(config), adapter, {
    logger: new PinoNestLogger(logger),
    rawBody: true,
    bufferLogs: false,
  });
  app.useGlobalPipes(createValidationPipe());
  if (config.corsOrigins.length) app.enableCors({ origin: config.corsOrigins, exposedHeaders: ['location', 'x-request-id', 'retry-after'] });

  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(GatewayMetrics);
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('cache-control', 'no-store');
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  // errors raised before Nest's pipeline (body parsing, size, media type) still answer problem+json
  fastify.setErrorHandler((error, request, reply) => {
    if (isRedisUnavailableError(error)) {
      return sendProblem(reply, toProblem(new ProblemException(503, 'storage-unavailable', 'Storage is unavailable; nothing was accepted. Retry later.', undefined, undefined, { 'retry-after': '5' }), request).problem, { 'retry-after': '5' });
    }
    const { problem, headers } = toProblem(error, request);
    if (problem.status >= 500) logger.error({ err: error, requestId: request.id }, 'request failed');
    sendProblem(reply, problem, headers);
  });

  const document = createOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  return app;
}

/** The OpenAPI 3 document of the gateway (served at /docs-json; the typed client in libs/client is generated from it). */
export function createOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Routing policy gateway')
      .setDescription(
        'One API to update routing policies on Gcore Cloud (L7 policies, load balancers) and Apinizer (API proxy policies). ' +
          'Errors are RFC 9457 application/problem+json. Auth: `Authorization: Bearer <api key>` with scopes policies.write, policies.read, operations.read, webhooks.manage, admin.',
      )
      .setVersion('1.0.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key from API_KEYS' })
      .build(),
  );
}
