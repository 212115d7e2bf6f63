import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { RedisConnectionFactory } from '@rpg/redis';
import { TRACER_NAME, tracingEnabled } from '@rpg/tracing';
import { QueueErrorReporter } from './queue-error.reporter';
import { DEFAULT_JOB_OPTIONS } from './job-contracts';
import { JobProducer } from './job-producer';
import { ALL_QUEUES, bullConnection, bullRedisOverrides, queuePrefix } from './queues';

/** BullMQ's OpenTelemetry integration (loaded only with tracing on). */
function bullTelemetry() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { BullMQOtel } = require('bullmq-otel') as typeof import('bullmq-otel');
  return new BullMQOtel(TRACER_NAME);
}

/**
 * BullMQ on the configured Redis with every queue registered, and JobProducer: the one way jobs are added.
 * `producerOnly` (the gateway) fails fast while Redis is away instead of queueing commands in memory: a request is never
 * acknowledged for a job that is not stored.
 *
 * On a Redis Cluster BullMQ needs a Cluster instance (it builds only single-node clients from options). It shares that
 * instance between every queue and worker of the process (each worker's blocking commands get a duplicate BullMQ owns)
 * and never closes a shared one: the connection factory does, at shutdown.
 */
@Module({})
export class QueuesModule {
  static forRoot(options: { producerOnly: boolean }): DynamicModule {
    return {
      module: QueuesModule,
      global: true,
      imports: [
        BullModule.forRootAsync({
          inject: [APP_CONFIG, RedisConnectionFactory],
          useFactory: (config: AppConfig, connections: RedisConnectionFactory) => ({
            prefix: queuePrefix(config.queuePrefix),
            connection: connections.clustered
              ? connections.create(bullRedisOverrides(options.producerOnly))
              : bullConnection(config.redisUrl, options.producerOnly),
            defaultJobOptions: DEFAULT_JOB_OPTIONS,
            // tracing on: every add carries the active trace context in the job, every job runs in a span under it
            ...(tracingEnabled() ? { telemetry: bullTelemetry() } : {}),
          }),
        }),
        BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name }))),
      ],
      providers: [QueueErrorReporter, JobProducer],
      exports: [BullModule, JobProducer],
    };
  }
}
