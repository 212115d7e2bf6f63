// first: tracing must start before fastify, ioredis, undici and http are loaded
import './tracing';
import 'reflect-metadata';
import { loadAppConfigOrExit } from '@rpg/config';
import { ServiceMetrics, createLogger, stopOnSignals } from '@rpg/observability';
import { startMetricsServer } from './metrics-server';
import { assertRedisReachable } from '@rpg/redis';
import { applyWorkerNiceness } from './niceness';
import { createWorkerApp } from './worker.factory';

async function main(): Promise<void> {
  const config = loadAppConfigOrExit();
  await assertRedisReachable(config);
  const logger = createLogger(config.logLevel, 'worker');
  // before the first job: on a host shared with a gateway, its requests take the cores first
  const niceness = applyWorkerNiceness(config.workerNiceness, logger);
  const app = await createWorkerApp(config, logger);
  stopOnSignals(app, logger);
  if (config.workerMetricsPort) {
    const server = startMetricsServer(app.get(ServiceMetrics), config.workerMetricsPort, config.host);
    // a second worker on the same host finds the port taken: it works on without the endpoint instead of crashing
    server.on('error', (error) =>
      logger.warn({ port: config.workerMetricsPort, err: error.message }, 'worker metrics endpoint not started (set WORKER_METRICS_PORT per worker, or 0)'),
    );
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => server.close());
  }
  logger.info({ gcore: config.gcore.baseUrl, apinizer: config.apinizer.baseUrl, niceness }, 'worker started');
}

void main();
