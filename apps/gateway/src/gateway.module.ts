import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerModule } from '@nestjs/throttler';
import { ApiKeyGuard, CommonModule, ProblemExceptionFilter } from '@rpg/common';
import { APP_CONFIG, AppConfig, AppConfigModule } from '@rpg/config';
import { GcoreTasksModule } from '@rpg/gcore-tasks';
import { ObservabilityModule } from '@rpg/observability';
import { OperationsModule } from '@rpg/operations';
import { ProvidersModule } from '@rpg/providers';
import { QueuesModule } from '@rpg/queues';
import { REDIS, RedisKeys, RedisModule, RedisClient } from '@rpg/redis';
import { WebhooksModule } from '@rpg/webhooks';
import { InboundWebhooksController } from './controllers/inbound-webhooks.controller';
import { OperationsController } from './controllers/operations.controller';
import { RoutingPoliciesController } from './controllers/routing-policies.controller';
import { RoutingPolicyUpdatesController } from './controllers/routing-policy-updates.controller';
import { SafeChangesController } from './controllers/safe-changes.controller';
import { StreamTokensController } from './controllers/stream-tokens.controller';
import { WebhookSubscriptionsController } from './controllers/webhook-subscriptions.controller';
import { HealthController } from './health/health.controller';
import { ApiKeyThrottlerGuard } from './security/api-key-throttler.guard';
import { RedisThrottlerStorage } from './security/redis-throttler.storage';

@Module({})
export class GatewayModule {
  static forRoot(config?: AppConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        AppConfigModule.forRoot(config),
        ObservabilityModule,
        RedisModule,
        CommonModule,
        QueuesModule.forRoot({ producerOnly: true }),
        ProvidersModule,
        OperationsModule,
        WebhooksModule,
        GcoreTasksModule,
        TerminusModule.forRoot({ errorLogStyle: 'json', logger: false }),
        ThrottlerModule.forRootAsync({
          inject: [APP_CONFIG, REDIS, RedisKeys],
          useFactory: (c: AppConfig, redis: RedisClient, keys: RedisKeys) => ({
            // named 'default' so the headers are plain X-RateLimit-Limit/-Remaining/-Reset (a name would be appended to each)
            throttlers: [{ name: 'default', ttl: 60_000, limit: c.rateLimitPerMinute }],
            storage: new RedisThrottlerStorage(redis, keys.key('throttle', '')),
          }),
        }),
      ],
      controllers: [
        RoutingPolicyUpdatesController,
        RoutingPoliciesController,
        OperationsController,
        SafeChangesController,
        StreamTokensController,
        WebhookSubscriptionsController,
        InboundWebhooksController,
        HealthController,
      ],
      providers: [
        // order matters: authenticate first, then rate-limit per key
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_GUARD, useClass: ApiKeyThrottlerGuard },
        { provide: APP_FILTER, useClass: ProblemExceptionFilter },
      ],
    };
  }
}
