import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Logger } from 'pino';
import { AppConfig } from '@rpg/config';
import { PinoNestLogger, createLogger } from '@rpg/observability';
import { assertEveryQueueHasAProcessor } from '@rpg/queues';
import { WorkerModule } from './worker.module';

/** Builds the worker (BullMQ processors, no HTTP) — used by main.ts and by the end-to-end tests. */
export async function createWorkerApp(config: AppConfig, logger: Logger = createLogger(config.logLevel, 'worker')): Promise<INestApplicationContext> {
  assertEveryQueueHasAProcessor();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { logger: new PinoNestLogger(logger) });
  await app.init();
  return app;
}
