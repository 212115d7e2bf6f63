import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ApiKeyGuard, CommonModule, ProblemExceptionFilter } from '@rpg/common';
import { AppConfig, AppConfigModule } from '@rpg/config';
import { GcoreTasksModule } from '@rpg/gcore-tasks';
import { ObservabilityModule } from '@rpg/observability';
import { OperationsModule } from '@rpg/operations';
import { ProvidersModule } from '@rpg/providers';
import { QueuesModule } from '@rpg/queues';
import { RedisModule } from '@rpg/redis';
import { WebhooksModule } from '@rpg/webhooks';
import { InboundWebhooksController } from './controllers/inbound-webhooks.controller';
import { OperationsController } from './controllers/operations.controller';
import { RoutingPoliciesController } from './controllers/routing-policies.controller';
import { RoutingPolicyUpdatesController } from './controllers/routing-policy-updates.controller';
import { WebhookSubscriptionsController } from './controllers/webhook-subscriptions.controller';
import { HealthController } from './health/health.controller';

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
      ],
      controllers: [RoutingPolicyUpdatesController, RoutingPoliciesController, OperationsController, WebhookSubscriptionsController, InboundWebhooksController, HealthController],
      providers: [
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: ProblemExceptionFilter },
      ],
    };
  }
}
