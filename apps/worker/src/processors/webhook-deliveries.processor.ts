import { InjectQueue } from '@nestjs/bullmq';
import { DelayedError, Job, Queue } from 'bullmq';
import { GatewayMetrics } from '@rpg/observability';
import { QUEUES, QueueProcessor, QueueWorkerHost, WebhookDeliveryJob, jobLatenessSeconds } from '@rpg/queues';
import { DeliverWebhookUseCase, WEBHOOK_DELIVERY_JOB_OPTIONS } from '@rpg/webhooks';

/**
 * webhook-deliveries: one attempt per run; a retry moves the same job back to delayed (same event id on every attempt).
 * When a delivery ends, the next delivery of its lane (same endpoint, same operation) is started.
 */
@QueueProcessor(QUEUES.webhookDeliveries, 100)
export class WebhookDeliveriesProcessor extends QueueWorkerHost {
  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly deliver: DeliverWebhookUseCase,
    @InjectQueue(QUEUES.webhookDeliveries) private readonly queue: Queue<WebhookDeliveryJob>,
  ) {
    super();
  }

  async process(job: Job<WebhookDeliveryJob>, token?: string): Promise<void> {
    this.metrics.jobLatency.observe({ queue: QUEUES.webhookDeliveries }, jobLatenessSeconds(job));
    const outcome = await this.deliver.execute(job.data.deliveryId);
    if (outcome?.kind === 'retry') {
      await job.moveToDelayed(Date.now() + outcome.delayMs, token);
      throw new DelayedError();
    }
    if (outcome?.next) await this.queue.add('deliver', { deliveryId: outcome.next }, { jobId: outcome.next, ...WEBHOOK_DELIVERY_JOB_OPTIONS });
  }
}
