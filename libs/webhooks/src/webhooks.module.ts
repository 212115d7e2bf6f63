import { Module } from '@nestjs/common';
import { OperationsModule } from '@rpg/operations';
import { DeliverWebhookUseCase } from './usecases/deliver-webhook/deliver-webhook.usecase';
import { FanOutEventUseCase } from './usecases/fan-out-event/fan-out-event.usecase';
import { ReceiveInboundWebhookUseCase } from './usecases/receive-inbound-webhook/receive-inbound-webhook.usecase';
import { WebhookDeliveryStore } from './webhook-delivery.store';
import { WebhookSubscriptionStore } from './webhook-subscription.store';

const providers = [WebhookSubscriptionStore, WebhookDeliveryStore, FanOutEventUseCase, DeliverWebhookUseCase, ReceiveInboundWebhookUseCase];

/** Outbound subscriptions and deliveries, and inbound verification. */
@Module({ imports: [OperationsModule], providers, exports: providers })
export class WebhooksModule {}
