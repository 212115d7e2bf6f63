import { Injectable } from '@nestjs/common';
import { SubscriptionsSnapshot, WebhookSubscriptionStore } from './webhook-subscription.store';

/**
 * How long a cached list is used without reading it again. A change through this release bumps the revision, which
 * createDeliveries checks in the same step, so this only bounds what a change bumping none leaves unseen (a previous
 * release's gateway during a rolling deploy).
 */
const MAX_AGE_MS = 30_000;

/**
 * The subscription list of this process, read once and again only when it changed: creating deliveries from it names
 * the revision it was read at, and a stale one is refused there (then read again here), so a subscription created,
 * deleted or disabled is honoured by the next event.
 */
@Injectable()
export class WebhookSubscriptionCache {
  private cached?: { snapshot: SubscriptionsSnapshot; readAt: number };
  private reading?: Promise<SubscriptionsSnapshot>;

  constructor(private readonly subscriptions: WebhookSubscriptionStore) {}

  async current(): Promise<SubscriptionsSnapshot> {
    if (this.cached && Date.now() - this.cached.readAt < MAX_AGE_MS) return this.cached.snapshot;
    return this.refresh();
  }

  /** Reads the list again (concurrent callers share one read). */
  refresh(): Promise<SubscriptionsSnapshot> {
    this.reading ??= (async () => {
      const readAt = Date.now();
      try {
        const snapshot = await this.subscriptions.snapshot();
        this.cached = { snapshot, readAt };
        return snapshot;
      } finally {
        this.reading = undefined;
      }
    })();
    return this.reading;
  }
}
