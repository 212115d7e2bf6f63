export * from './dtos/webhook-subscription.dto';
export * from './webhook-subscription.store';
export * from './webhook-delivery.store';
export * from './webhook-signer';
export * from './usecases/fan-out-event/fan-out-event.usecase';
export * from './usecases/deliver-webhook/deliver-webhook.usecase';
export * from './usecases/receive-inbound-webhook/receive-inbound-webhook.usecase';
export * from './webhooks.module';
