import { Module } from '@nestjs/common';
import { OperationsModule } from '@rpg/operations';
import { CreateWebhookSubscriptionUseCase } from './usecases/create-webhook-subscription/create-webhook-subscription.usecase';
import { DeleteWebhookSubscriptionUseCase } from './usecases/delete-webhook-subscription/delete-webhook-subscription.usecase';
import { DeliverWebhookUseCase } from './usecases/deliver-webhook/deliver-webhook.usecase';
import { FailWebhookDeliveryUseCase } from './usecases/fail-webhook-delivery/fail-webhook-delivery.usecase';
import { FanOutEventUseCase } from './usecases/fan-out-event/fan-out-event.usecase';
import { GetWebhookSubscriptionUseCase } from './usecases/get-webhook-subscription/get-webhook-subscription.usecase';
import { ListWebhookDeliveriesUseCase } from './usecases/list-webhook-deliveries/list-webhook-deliveries.usecase';
import { ListWebhookSubscriptionsUseCase } from './usecases/list-webhook-subscriptions/list-webhook-subscriptions.usecase';
import { ReceiveInboundWebhookUseCase } from './usecases/receive-inbound-webhook/receive-inbound-webhook.usecase';
import { ReplayWebhookDeliveryUseCase } from './usecases/replay-webhook-delivery/replay-webhook-delivery.usecase';
import { RotateWebhookSecretUseCase } from './usecases/rotate-webhook-secret/rotate-webhook-secret.usecase';
import { RunWebhookLaneUseCase } from './usecases/run-webhook-lane/run-webhook-lane.usecase';
import { SendTestEventUseCase } from './usecases/send-test-event/send-test-event.usecase';
import { WebhookDeliveryStore } from './webhook-delivery.store';
import { WebhookLaneRunner } from './webhook-lane.runner';
import { WebhookSubscriptionCache } from './webhook-subscription.cache';
import { WebhookSubscriptionStore } from './webhook-subscription.store';

const providers = [
  WebhookSubscriptionStore,
  WebhookSubscriptionCache,
  WebhookDeliveryStore,
  // subscriptions (gateway)
  CreateWebhookSubscriptionUseCase,
  ListWebhookSubscriptionsUseCase,
  GetWebhookSubscriptionUseCase,
  DeleteWebhookSubscriptionUseCase,
  RotateWebhookSecretUseCase,
  SendTestEventUseCase,
  ListWebhookDeliveriesUseCase,
  ReplayWebhookDeliveryUseCase,
  // deliveries (fan-out in the completion step; sending in the worker)
  FanOutEventUseCase,
  DeliverWebhookUseCase,
  FailWebhookDeliveryUseCase,
  RunWebhookLaneUseCase,
  WebhookLaneRunner,
  // inbound (gateway; needs GcoreTasksModule, global, in the app)
  ReceiveInboundWebhookUseCase,
];

/** Outbound subscriptions and deliveries (the fan-out is OperationEventPublisher's sink), and inbound webhooks. */
@Module({ imports: [OperationsModule], providers, exports: providers })
export class WebhooksModule {}
