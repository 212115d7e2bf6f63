import 'reflect-metadata';
import { loadAppConfigOrExit } from '@rpg/config';
import { createLogger, stopOnSignals } from '@rpg/observability';
import { assertRedisReachable } from '@rpg/redis';
import { createGatewayApp } from './gateway.factory';

async function main(): Promise<void> {
  const config = loadAppConfigOrExit();
  await assertRedisReachable(config);
  const logger = createLogger(config.logLevel, 'gateway');
  const app = await createGatewayApp(config, logger);
  stopOnSignals(app, logger);
  await app.listen({ port: config.port, host: process.env.HOST ?? '0.0.0.0' });
  const base = `http://127.0.0.1:${config.port}`;
  logger.info({ docs: `${base}/docs` }, `gateway listening on ${base}; docs at ${base}/docs`);
  if (config.generatedDevApiKey) {
    // printed once, on purpose: the dev key is the only way in when API_KEYS is not set (never outside development)
    process.stdout.write(`\nDocs:        ${base}/docs\nDev API key: ${config.generatedDevApiKey}  (all scopes; set API_KEYS to choose your own)\n\n`);
  }
}

void main();
