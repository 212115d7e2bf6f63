import { WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { QUEUES, QueueProcessor, WebhookEventJob } from '@rpg/queues';
import { FanOutEventUseCase } from '@rpg/webhooks';

/** webhook-events: one event → one delivery job per matching endpoint. */
@QueueProcessor(QUEUES.webhookEvents, 20)
export class WebhookEventsProcessor extends WorkerHost {
  constructor(private readonly fanOut: FanOutEventUseCase) {
    super();
  }

  async process(job: Job<WebhookEventJob>): Promise<number> {
    return this.fanOut.execute(job.data);
  }
}
