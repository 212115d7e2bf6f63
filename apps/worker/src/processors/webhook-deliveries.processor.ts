import { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { ServiceMetrics } from '@rpg/observability';
import { JobErrorIds, JobProducer, QUEUES, QueueProcessor, QueueWorkerHost, WebhookDeliveryJob, jobLatenessSeconds, readJobPayload } from '@rpg/queues';
import { FailWebhookDeliveryUseCase, RunWebhookLaneUseCase, WebhookLaneRunner } from '@rpg/webhooks';

/**
 * webhook-deliveries: the worker's outbound webhooks. A lane that begins here is sent without a job (WebhookLaneRunner,
 * started and stopped with the worker); a job is a run from its delivery on: a retry (DelayedError: the same job again,
 * same event id on every attempt), a test event, a replay, or a lane begun elsewhere. A bug ends the delivery FAILED
 * (logged once) and the lane goes on, so the later events of that lane still go out.
 */
@QueueProcessor(QUEUES.webhookDeliveries, { concurrency: 100 })
export class WebhookDeliveriesProcessor extends QueueWorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly metrics: ServiceMetrics,
    private readonly runLane: RunWebhookLaneUseCase,
    private readonly failDelivery: FailWebhookDeliveryUseCase,
    private readonly lanes: WebhookLaneRunner,
    private readonly jobs: JobProducer,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.lanes.runHere();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.lanes.stop();
  }

  protected async handle(job: Job<WebhookDeliveryJob>, token?: string): Promise<void> {
    this.metrics.jobLatency.observe({ queue: QUEUES.webhookDeliveries }, jobLatenessSeconds(job));
    const outcome = await this.runLane.execute({ start: readJobPayload(job.data).deliveryId, leaseUntil: 0 });
    if (outcome.kind === 'retry') {
      // the delivery's own retry schedule: no BullMQ attempt is used
      await job.moveToDelayed(Date.now() + outcome.delayMs, token);
      throw new DelayedError();
    }
  }

  protected override jobIds(job: Job<WebhookDeliveryJob>): JobErrorIds {
    const deliveryId = job.data?.deliveryId;
    return { deliveryId: typeof deliveryId === 'string' ? deliveryId : undefined };
  }

  protected override async settleAfterBug(job: Job<WebhookDeliveryJob>): Promise<JobErrorIds> {
    const deliveryId = job.data?.deliveryId;
    if (typeof deliveryId !== 'string') return {};
    const { next, delivery } = await this.failDelivery.execute({ deliveryId });
    if (next) await this.jobs.enqueueWebhookDeliveries([next]);
    return {
      operationId: delivery?.operationId ?? undefined,
      subscriptionId: delivery?.subscriptionId ?? undefined,
      eventId: delivery?.eventId,
      ...(next ? { nextDeliveryId: next } : {}),
    };
  }
}
