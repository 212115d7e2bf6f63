import { DelayedError, Job } from 'bullmq';
import { ServiceMetrics } from '@rpg/observability';
import { JobErrorIds, JobProducer, QUEUES, QueueProcessor, QueueWorkerHost, WebhookDeliveryJob, jobLatenessSeconds, readJobPayload } from '@rpg/queues';
import { DeliverWebhookUseCase, FailWebhookDeliveryUseCase } from '@rpg/webhooks';

/**
 * webhook-deliveries: one attempt per run; a retry moves the same job back to delayed (same event id on every attempt).
 * When a delivery ends, the next delivery of its lane (same endpoint, same operation) is started. A bug ends the
 * delivery FAILED (logged once) and releases its lane, so the later events of that lane still go out.
 */
@QueueProcessor(QUEUES.webhookDeliveries, { concurrency: 100 })
export class WebhookDeliveriesProcessor extends QueueWorkerHost {
  constructor(
    private readonly metrics: ServiceMetrics,
    private readonly deliver: DeliverWebhookUseCase,
    private readonly failDelivery: FailWebhookDeliveryUseCase,
    private readonly jobs: JobProducer,
  ) {
    super();
  }

  protected async handle(job: Job<WebhookDeliveryJob>, token?: string): Promise<void> {
    this.metrics.jobLatency.observe({ queue: QUEUES.webhookDeliveries }, jobLatenessSeconds(job));
    const outcome = await this.deliver.execute({ deliveryId: readJobPayload(job.data).deliveryId });
    if (outcome?.kind === 'retry') {
      // the delivery's own retry schedule: no BullMQ attempt is used
      await job.moveToDelayed(Date.now() + outcome.delayMs, token);
      throw new DelayedError();
    }
    if (outcome?.next) await this.startNext(outcome.next);
  }

  private async startNext(deliveryId: string): Promise<void> {
    await this.jobs.enqueueWebhookDeliveries([deliveryId]);
  }

  protected override jobIds(job: Job<WebhookDeliveryJob>): JobErrorIds {
    const deliveryId = job.data?.deliveryId;
    return { deliveryId: typeof deliveryId === 'string' ? deliveryId : undefined };
  }

  protected override async settleAfterBug(job: Job<WebhookDeliveryJob>): Promise<JobErrorIds> {
    const deliveryId = job.data?.deliveryId;
    if (typeof deliveryId !== 'string') return {};
    const { next, delivery } = await this.failDelivery.execute({ deliveryId });
    if (next) await this.startNext(next);
    return {
      operationId: delivery?.operationId ?? undefined,
      subscriptionId: delivery?.subscriptionId ?? undefined,
      eventId: delivery?.eventId,
      ...(next ? { nextDeliveryId: next } : {}),
    };
  }
}
