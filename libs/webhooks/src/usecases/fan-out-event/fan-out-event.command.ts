import type { WebhookEventJob } from '@rpg/queues';

/** The events to fan out, in order, optionally limited to some subscriptions (what a webhook-events job carries). */
export type FanOutEventCommand = Pick<WebhookEventJob, 'events' | 'onlySubscriptionIds'>;
