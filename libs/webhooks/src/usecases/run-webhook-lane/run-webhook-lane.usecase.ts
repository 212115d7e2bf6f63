import { Injectable, Logger } from '@nestjs/common';
import { QUEUES, classifyJobError, internalErrorLogLine } from '@rpg/queues';
import { LANE_LEASE_MS, WebhookDelivery, WebhookDeliveryStore } from '../../webhook-delivery.store';
import { DeliverWebhookUseCase, DeliveryOutcome } from '../deliver-webhook/deliver-webhook.usecase';
import { FailWebhookDeliveryUseCase } from '../fail-webhook-delivery/fail-webhook-delivery.usecase';
import { RunWebhookLaneCommand } from './run-webhook-lane.command';

/** `ended`: the lane is empty (or the delivery had none); `stopped`: left to the next sweep; `retry`: stored, its retry due after `delayMs`. */
export type WebhookLaneRunOutcome = { kind: 'ended' } | { kind: 'stopped' } | { kind: 'retry'; delivery: WebhookDelivery; delayMs: number };

/**
 * Sends a lane's deliveries one after the other, in order, from `start` until the lane is empty. An ended delivery is
 * stored and popped in one script, which names the next; when the next is known (created together with it) it is
 * stored alone and popped with the next one's step. A delivery to retry is stored with the lane's lease moved past the
 * retry, and the run stops there (the caller schedules the retry: the same run again then). A delivery without a lane
 * (a test event, a replay) is a run of one. A bug while sending one delivery ends it FAILED (logged once) and the run
 * goes on with the next; anything transient (Redis away) is thrown, the lane's lease bringing it back.
 */
@Injectable()
export class RunWebhookLaneUseCase {
  private readonly logger = new Logger('WebhookDeliveries');

  constructor(
    private readonly deliveries: WebhookDeliveryStore,
    private readonly deliver: DeliverWebhookUseCase,
    private readonly fail: FailWebhookDeliveryUseCase,
  ) {}

  async execute(command: RunWebhookLaneCommand): Promise<WebhookLaneRunOutcome> {
    const known = command.known ?? [];
    const unread = new Map(known.map((d) => [d.id, d]));
    let delivery = typeof command.start === 'string' ? await this.deliveries.get(command.start) : command.start;
    let leaseUntil = command.leaseUntil;
    // per endpoint, read once per run (a 410 on the way sets it to null: nothing more goes there)
    const secrets = new Map<string, string[] | null>();
    // ended and stored, still heading the lane: popped with the lane's next step
    const ended: string[] = [];
    while (delivery) {
      const current = delivery;
      const lane = current.lane;
      let next: string;
      if (current.status !== 'PENDING') {
        // ended before (a job that ran again, or a retry's run that had moved on): the lane moves on past it
        next = await this.deliveries.advance(lane, [...ended.splice(0), current.id]);
      } else {
        if (lane && leaseUntil - Date.now() < LANE_LEASE_MS / 2) {
          leaseUntil = Date.now() + LANE_LEASE_MS;
          await this.deliveries.extendLease(lane, leaseUntil);
        }
        const outcome = await this.attempt(current, secrets, ended);
        if (outcome.kind === 'retry') {
          await this.deliveries.advance(lane, ended.splice(0));
          await this.deliveries.defer(outcome.delivery, Date.now() + outcome.delayMs + LANE_LEASE_MS);
          return outcome;
        }
        if (outcome.kind === 'settled') {
          next = outcome.next;
        } else {
          const position = known.findIndex((d) => d.id === current.id);
          const following = lane && position >= 0 && !command.stopping?.() ? known[position + 1] : undefined;
          if (following) {
            await this.deliveries.save(outcome.delivery);
            ended.push(current.id);
            unread.delete(following.id);
            delivery = following;
            continue;
          }
          next = await this.deliveries.finish(outcome.delivery, ended.splice(0));
        }
      }
      if (!next || !lane) return { kind: 'ended' };
      if (command.stopping?.()) {
        await this.deliveries.releaseLease(lane);
        return { kind: 'stopped' };
      }
      delivery = await this.recordOf(lane, next, unread);
    }
    return { kind: 'ended' };
  }

  /**
   * One attempt (not stored yet). A bug instead ends the delivery FAILED (logged once), stored at once with the lane
   * moved on past `ended` (emptied) and past it: `settled`, `next` being the lane's next delivery.
   */
  private async attempt(
    delivery: WebhookDelivery,
    secrets: Map<string, string[] | null>,
    ended: string[],
  ): Promise<DeliveryOutcome | { kind: 'settled'; next: string }> {
    try {
      const endpoint = delivery.subscriptionId ?? `cb:${delivery.operationId ?? ''}`;
      if (!secrets.has(endpoint)) secrets.set(endpoint, await this.deliver.secretsFor(delivery));
      const outcome = await this.deliver.attempt(delivery, secrets.get(endpoint) ?? null);
      if (outcome.kind === 'done' && outcome.gone) secrets.set(endpoint, null);
      return outcome;
    } catch (error) {
      if (classifyJobError(error) !== 'internal') throw error;
      const ids = { deliveryId: delivery.id, operationId: delivery.operationId ?? undefined, subscriptionId: delivery.subscriptionId ?? undefined };
      const [fields, message] = internalErrorLogLine({ queueName: QUEUES.webhookDeliveries, name: 'deliver', id: delivery.id }, ids, error, 'webhook delivery');
      this.logger.error(fields, message);
      await this.deliveries.advance(delivery.lane, ended.splice(0));
      return { kind: 'settled', next: (await this.fail.execute({ deliveryId: delivery.id })).next };
    }
  }

  /** The record of the lane's next delivery: as created here when not read yet, else read; one whose record is gone is skipped. */
  private async recordOf(lane: string, id: string, unread: Map<string, WebhookDelivery>): Promise<WebhookDelivery | null> {
    for (let next = id; next; next = await this.deliveries.advance(lane, [next])) {
      const record = unread.get(next) ?? (await this.deliveries.get(next));
      unread.delete(next);
      if (record) return record;
    }
    return null;
  }
}
