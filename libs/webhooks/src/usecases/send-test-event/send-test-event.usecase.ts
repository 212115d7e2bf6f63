import { Injectable } from '@nestjs/common';
import { EVENT_TYPES, newSortableId } from '@rpg/operations';
import { JobProducer } from '@rpg/queues';
import { GetWebhookSubscriptionUseCase } from '../get-webhook-subscription/get-webhook-subscription.usecase';
import { SendTestEventCommand } from './send-test-event.command';

/** Queues a `webhook.test` event for one subscription only (404 problem for an unknown one); returns its event id. */
@Injectable()
export class SendTestEventUseCase {
  constructor(
    private readonly getSubscription: GetWebhookSubscriptionUseCase,
    private readonly jobs: JobProducer,
  ) {}

  async execute({ subscriptionId }: SendTestEventCommand): Promise<{ eventId: string }> {
    const sub = await this.getSubscription.execute({ subscriptionId });
    const eventId = newSortableId('evt_');
    const event = { eventId, type: EVENT_TYPES.test, timestamp: new Date().toISOString(), data: { subscriptionId: sub.id, message: 'This is a test event.' } };
    await this.jobs.enqueueSubscriptionTestEvent(event, sub.id);
    return { eventId };
  }
}
