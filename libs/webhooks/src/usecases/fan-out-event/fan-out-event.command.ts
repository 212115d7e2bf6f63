import type { WebhookEventJob } from '@rpg/queues';

/** The events to fan out, in order, optionally limited to some subscriptions (the webhook-events job carries exactly this). */
export type FanOutEventCommand = Pick<WebhookEventJob, 'events' | 'onlySubscriptionIds'>;
