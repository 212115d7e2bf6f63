import { DynamicModule, Module } from '@nestjs/common';
import { CommonModule } from '@rpg/common';
import { AppConfig, AppConfigModule } from '@rpg/config';
import { GcoreTaskPollerModule, GcoreTaskSweepModule, GcoreTasksModule } from '@rpg/gcore-tasks';
import { ObservabilityModule } from '@rpg/observability';
import { OperationExecutionModule, OperationsModule } from '@rpg/operations';
import { ProvidersModule } from '@rpg/providers';
import { QueuesModule } from '@rpg/queues';
import { RedisModule } from '@rpg/redis';
import { WebhooksModule } from '@rpg/webhooks';
import { GcoreTasksProcessor } from './processors/gcore-tasks.processor';
import { MaintenanceProcessor } from './processors/maintenance.processor';
import { ProviderCallsProcessor } from './processors/provider-calls.processor';
import { RolloutsProcessor } from './processors/rollouts.processor';
import { WebhookDeliveriesProcessor } from './processors/webhook-deliveries.processor';
import { WebhookEventsProcessor } from './processors/webhook-events.processor';
import { OperationDispatchLoop } from './loops/operation-dispatch.loop';
import { GcoreTaskPollLoop } from './loops/gcore-task-poll.loop';

@Module({})
export class WorkerModule {
  static forRoot(config?: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        AppConfigModule.forRoot(config),
        ObservabilityModule,
        RedisModule,
        CommonModule,
        QueuesModule.forRoot({ producerOnly: false }),
        ProvidersModule,
        OperationsModule,
        OperationExecutionModule,
        GcoreTasksModule,
        GcoreTaskSweepModule,
        GcoreTaskPollerModule,
        WebhooksModule,
      ],
      providers: [
        ProviderCallsProcessor,
        GcoreTasksProcessor,
        WebhookEventsProcessor,
        WebhookDeliveriesProcessor,
        MaintenanceProcessor,
        RolloutsProcessor,
        OperationDispatchLoop,
        GcoreTaskPollLoop,
      ],
    };
  }
}
