import { getQueueToken } from '@nestjs/bullmq';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import type { Queue } from 'bullmq';
import { createValidationPipe } from '@rpg/common';
import { AppConfig } from '@rpg/config';
import { ServiceMetrics, PinoNestLogger, createLogger } from '@rpg/observability';
import { ALL_QUEUES } from '@rpg/queues';
import { REDIS, RedisClient } from '@rpg/redis';
import { GatewayModule } from './gateway.module';
import { CLIENT_ERROR_OPTIONS } from './http/client-errors';
import { serveConsole } from './http/console';
import { closeIdleConnectionsOnClose } from './http/idle-connections';
import { JSON_BODY_OPTIONS, acceptJsonBodiesOnly } from './http/json-body';
import { serveOpenApi } from './http/openapi';
import { keepProblemErrorHandler } from './http/problem-error-handler';
import { REQUEST_ID_OPTIONS } from './http/request-id';
import { observeRequestDurations } from './http/request-metrics';
import { addSecurityHeaders, allowConfiguredOrigins } from './http/security-headers';
import { mountBullBoard } from './security/bull-board';

export { BODY_LIMIT } from './http/json-body';
export { createOpenApiDocument } from './http/openapi';

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

/** Builds the gateway (Fastify adapter) — used by main.ts and by the end-to-end tests. The HTTP edge lives in ./http. */
export async function createGatewayApp(config: AppConfig, logger: Logger = createLogger(config.logLevel, 'gateway')): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ ...JSON_BODY_OPTIONS, ...REQUEST_ID_OPTIONS, ...CLIENT_ERROR_OPTIONS, trustProxy: false });
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.forRoot(config), adapter, {
    logger: new PinoNestLogger(logger),
    rawBody: true,
    bufferLogs: false,
  });
  await settleConnections(app);
  app.useGlobalPipes(createValidationPipe());
  allowConfiguredOrigins(app, config);

  const fastify = app.getHttpAdapter().getInstance();
  closeIdleConnectionsOnClose(fastify);
  acceptJsonBodiesOnly(adapter);
  keepProblemErrorHandler(adapter, logger);
  observeRequestDurations(fastify, app.get(ServiceMetrics));
  addSecurityHeaders(fastify);
  await mountBullBoard(app);
  await serveConsole(fastify);
  serveOpenApi(app);
  return app;
}
