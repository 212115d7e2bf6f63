import { Injectable } from '@nestjs/common';
import { EVENT_TYPES, newSortableId } from '@rpg/operations';
import { FanOutEventUseCase } from '../fan-out-event/fan-out-event.usecase';
import { GetWebhookSubscriptionUseCase } from '../get-webhook-subscription/get-webhook-subscription.usecase';
import { SendTestEventCommand } from './send-test-event.command';

/** Sends a `webhook.test` event to one subscription only (404 problem for an unknown one); returns its event id. */
@Injectable()
export class SendTestEventUseCase {
  constructor(
    private readonly getSubscription: GetWebhookSubscriptionUseCase,
    private readonly fanOut: FanOutEventUseCase,
  ) {}

  async execute({ subscriptionId }: SendTestEventCommand): Promise<{ eventId: string }> {
    const sub = await this.getSubscription.execute({ subscriptionId });
    const eventId = newSortableId('evt_');
    const event = { eventId, type: EVENT_TYPES.test, timestamp: new Date().toISOString(), data: { subscriptionId: sub.id, message: 'This is a test event.' } };
    // its delivery is created now (the API can list it at once) and sent by a worker (a delivery job)
    await this.fanOut.execute({ events: [event], onlySubscriptionIds: [sub.id] });
    return { eventId };
  }
}
