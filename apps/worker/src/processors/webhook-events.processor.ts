import { Job } from 'bullmq';
import { ServiceMetrics } from '@rpg/observability';
import { JobErrorIds, QUEUES, QueueProcessor, QueueWorkerHost, WebhookEventJob, jobLatenessSeconds, readJobPayload } from '@rpg/queues';
import { FanOutEventUseCase } from '@rpg/webhooks';

/**
 * webhook-events: events → one delivery per matching endpoint, the lanes that begin sent at once. Operation events are
 * fanned out in their completion step, so these are the jobs of the previous release (rolling deploy) or of a process
 * without a fan-out. A bug fails the job at once (logged once).
 */
@QueueProcessor(QUEUES.webhookEvents, { concurrency: 20 })
export class WebhookEventsProcessor extends QueueWorkerHost {
  constructor(
    private readonly fanOut: FanOutEventUseCase,
    private readonly metrics: ServiceMetrics,
  ) {
    super();
  }

  protected async handle(job: Job<WebhookEventJob>): Promise<number> {
    this.metrics.jobLatency.observe({ queue: QUEUES.webhookEvents }, jobLatenessSeconds(job));
    const { events, onlySubscriptionIds } = readJobPayload(job.data);
    return this.fanOut.execute({ events, onlySubscriptionIds });
  }

  protected override jobIds(job: Job<WebhookEventJob>): JobErrorIds {
    const events = Array.isArray(job.data?.events) ? job.data.events : [];
    const operationIds = [...new Set(events.map((e) => e?.operationId).filter((id): id is string => typeof id === 'string'))];
    return {
      ...(operationIds.length === 1 ? { operationId: operationIds[0] } : operationIds.length ? { operationIds } : {}),
      eventIds: events.map((e) => e?.eventId).filter((id): id is string => typeof id === 'string'),
    };
  }
}
