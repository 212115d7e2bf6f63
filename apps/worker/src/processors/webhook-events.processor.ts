import { Job } from 'bullmq';
import { GatewayMetrics } from '@rpg/observability';
import { QUEUES, QueueProcessor, QueueWorkerHost, WebhookEventJob, jobLatenessSeconds } from '@rpg/queues';
import { FanOutEventUseCase } from '@rpg/webhooks';

/** webhook-events: one event → one delivery job per matching endpoint. */
@QueueProcessor(QUEUES.webhookEvents, 20)
export class WebhookEventsProcessor extends QueueWorkerHost {
  constructor(
    private readonly fanOut: FanOutEventUseCase,
    private readonly metrics: GatewayMetrics,
  ) {
    super();
  }

  async process(job: Job<WebhookEventJob>): Promise<number> {
    this.metrics.jobLatency.observe({ queue: QUEUES.webhookEvents }, jobLatenessSeconds(job));
    return this.fanOut.execute(job.data);
  }
}
