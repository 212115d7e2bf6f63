import type { WebhookDelivery } from '../../webhook-delivery.store';

export interface RunWebhookLaneCommand {
  /** The delivery to begin with: its record (just created here) or its id (a job's). */
  start: WebhookDelivery | string;
  /**
   * Deliveries created together with `start` in one step, in lane order (those of its lane follow it directly there):
   * their records as created, used instead of reading them.
   */
  known?: readonly WebhookDelivery[];
  /** Until when (epoch ms) the lane's lease runs; 0 when unknown (moved on before the first attempt). */
  leaseUntil: number;
  /** Asked before each next delivery: true when the process stops (the lane is left to the next sweep). */
  stopping?: () => boolean;
}
