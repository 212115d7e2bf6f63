import { getQueueToken } from '@nestjs/bullmq';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { createValidationPipe, parseJsonBody, sendProblem, toProblem, PROBLEM_TYPE_BASE, problemTitle } from '@rpg/common';
import { AppConfig } from '@rpg/config';
import { GatewayMetrics, PinoNestLogger, createLogger } from '@rpg/observability';
import { ALL_QUEUES } from '@rpg/queues';
import { REDIS, RedisClient } from '@rpg/redis';
import type { Queue } from 'bullmq';
import helmet from '@fastify/helmet';
import { GatewayModule } from './gateway.module';
import { mountBullBoard } from './security/bull-board';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
export const BODY_LIMIT = 1024 * 1024;
/** How long boot waits for Redis and the queue connections before serving (and reporting not-ready) anyway. */
const CONNECT_WAIT_MS = 5000;

/**
 * Waits until the storage connection and every queue connection are ready, the storage connection fails, or the time
 * is up — never longer. Without it the first requests after boot hit a connecting client (no offline queue) and fail,
 * and a close right after boot races BullMQ's connection init. With Redis down the gateway still starts, not-ready.
 */
async function settleConnections(app: NestFastifyApplication): Promise<void> {
  const redis = app.get<RedisClient>(REDIS);
  const queues = ALL_QUEUES.map((name) => app.get<Queue>(getQueueToken(name), { strict: false }));
  let cleanup = (): void => undefined;
  const failedOrTimedOut = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, CONNECT_WAIT_MS);
    const onError = (): void => resolve();
    redis.once('error', onError);
    cleanup = () => {
      clearTimeout(timer);
      redis.off('error', onError);
    };
  });
  const ready = (async () => {
    if (redis.status !== 'ready') await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
    await Promise.all(queues.map((q) => q.waitUntilReady()));
  })().catch(() => undefined);
  try {
    await Promise.race([ready, failedOrTimedOut]);
  } finally {
    cleanup();
  }
}

/**
 * Requests the HTTP parser rejects (bad header bytes such as NUL, oversized headers, timeouts) never reach Fastify's
 * routing: answer them as problem+json with a fresh x-request-id too, instead of Fastify's plain JSON.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, slug, detail] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request-timeout', 'The request was not received in time.']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers-too-large', 'The request headers are too large.']
        : [400, 'bad-request', 'The request is not valid HTTP (e.g. a header holds forbidden characters).'];
  const requestId = randomUUID();
  const body = JSON.stringify({ type: PROBLEM_TYPE_BASE + slug, title: problemTitle(status), status, detail, instance: '/', requestId });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `x-request-id: ${requestId}\r\ncache-control: no-store\r\nx-content-type-options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

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
    clientErrorHandler: answerClientError,
    // errors Fastify raises before routing (bad percent-encoding, a path parameter over maxParamLength): problem+json too,
    // instead of Fastify's own JSON that quotes the whole URL back
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      void reply.header('x-request-id', request.id).header('x-content-type-options', 'nosniff').header('cache-control', 'no-store');
      const { problem, headers } = toProblem(error, request);
      sendProblem(reply, problem, headers);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot(config), adapter, {
    logger: new PinoNestLogger(logger),
    rawBody: true,
    bufferLogs: false,
  });
  await settleConnections(app);
  app.useGlobalPipes(createValidationPipe());
  if (config.corsOrigins.length) app.enableCors({ origin: config.corsOrigins, exposedHeaders: ['location', 'x-request-id', 'retry-after'] });

  const fastify = app.getHttpAdapter().getInstance();
  // graceful close: a keep-alive connection busy when the close begins becomes idle only afterwards, and would then
  // hold the close for its keep-alive timeout (longer than the shutdown deadline): close such connections as they idle
  fastify.addHook('preClose', (done) => {
    const timer = setInterval(() => fastify.server.closeIdleConnections(), 100).unref();
    fastify.server.once('close', () => clearInterval(timer));
    done();
  });
  // JSON in only: register our JSON parser now (keeping rawBody for inbound signatures) so init adds no form parser,
  // and drop Fastify's text/plain one: any other media type answers 415 (FST_ERR_CTP_INVALID_MEDIA_TYPE).
  // The parser checks every key and value once (prototype keys, lone surrogates, inexact numbers, depth) for every
  // route, before class-transformer or any merge sees the body
  adapter.useBodyParser('application/json', true, { bodyLimit: BODY_LIMIT }, (_request: unknown, raw: Buffer, done: (err: Error | null, body?: unknown) => void) => {
    let body: unknown;
    try {
      body = parseJsonBody(raw);
    } catch (error) {
      return done(error as Error);
    }
    done(null, body);
  });
  fastify.removeContentTypeParser(['text/plain', 'application/x-www-form-urlencoded']);
  // Nest's init would replace the error handler below with one that turns Fastify's coded errors (malformed JSON,
  // 413, 415) into bare HttpExceptions, losing their code: keep ours, which maps them (and everything else) itself
  adapter.setErrorHandler = (() => fastify) as typeof adapter.setErrorHandler;
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
    const { problem, headers } = toProblem(error, request);
    if (problem.status >= 500) logger.error({ err: error, requestId: request.id }, 'request failed');
    sendProblem(reply, problem, headers);
  });

  await fastify.register(helmet as never, { contentSecurityPolicy: false, crossOriginEmbedderPolicy: false });
  await mountBullBoard(app);

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
