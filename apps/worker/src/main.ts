import 'reflect-metadata';
import { loadAppConfigOrExit } from '@rpg/config';
import { createLogger } from '@rpg/observability';
import { assertRedisReachable } from '@rpg/redis';
import { createWorkerApp } from './worker.factory';

async function main(): Promise<void> {
  const config = loadAppConfigOrExit();
  await assertRedisReachable(config.redisUrl);
  const logger = createLogger(config.logLevel, 'worker');
  const app = await createWorkerApp(config, logger);
  app.enableShutdownHooks();
  logger.info({ gcore: config.gcore.baseUrl, apinizer: config.apinizer.baseUrl }, 'worker started');
}

void main();
