import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { ALL_QUEUES, DEFAULT_JOB_OPTIONS, bullConnection, queuePrefix } from './queues';

/**
 * BullMQ on the configured Redis with every queue registered. `producerOnly` (the gateway) fails fast while Redis is
 * away instead of queueing commands in memory: a request is never acknowledged for a job that is not stored.
 */
@Module({})
export class QueuesModule {
  static forRoot(options: { producerOnly: boolean }): DynamicModule {
    return {
      module: QueuesModule,
      global: true,
      imports: [
        BullModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => ({
            prefix: queuePrefix(config.queuePrefix),
            connection: options.producerOnly
              ? { ...bullConnection(config.redisUrl), enableOfflineQueue: false, maxRetriesPerRequest: 1 }
              : bullConnection(config.redisUrl),
            defaultJobOptions: DEFAULT_JOB_OPTIONS,
          }),
        }),
        BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name }))),
      ],
      exports: [BullModule],
    };
  }
}
