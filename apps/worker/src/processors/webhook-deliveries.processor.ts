import { WorkerHost } from '@nestjs/bullmq';
import { DelayedError, Job } from 'bullmq';
import { QUEUES, QueueProcessor, WebhookDeliveryJob } from '@rpg/queues';
import { DeliverWebhookUseCase } from '@rpg/webhooks';

/** webhook-deliveries: one attempt per run; a retry moves the same job back to delayed (same event id on every attempt). */
@QueueProcessor(QUEUES.webhookDeliveries, 100)
export class WebhookDeliveriesProcessor extends WorkerHost {
  constructor(private readonly deliver: DeliverWebhookUseCase) {
    super();
  }

  async process(job: Job<WebhookDeliveryJob>, token?: string): Promise<void> {
    const outcome = await this.deliver.execute(job.data.deliveryId);
    if (outcome?.kind === 'retry') {
      await job.moveToDelayed(Date.now() + outcome.delayMs, token);
      throw new DelayedError();
    }
  }
}
