import { Inject, Injectable, Logger } from '@nestjs/common';
import { ProblemException } from '@rpg/common';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { GcoreTaskWatcher } from '@rpg/gcore-tasks';
import { SubmitUpdateUseCase } from '@rpg/operations';
import { REDIS, RedisKeys, RedisClient } from '@rpg/redis';
import { Operation } from '@rpg/routing-policy';
import { verifyWebhook } from '../../webhook-signer';
import { ReceiveInboundWebhookCommand } from './receive-inbound-webhook.command';

export const INBOUND_EVENT_TYPES = {
  updateRequested: 'routing-policy.update.requested',
  taskUpdated: 'gcore.task.updated',
} as const;

/** What became of an inbound webhook (the controller turns each kind into its answer). */
export type InboundWebhookOutcome =
  /** The webhook-id was handled before (or is being handled now): nothing done. */
  | { kind: 'duplicate' }
  /** `routing-policy.update.requested` with dryRun: the planned operation, nothing stored (and the webhook-id not kept). */
  | { kind: 'planned'; operation: Operation }
  /** `routing-policy.update.requested`: the operation was accepted. */
  | { kind: 'accepted'; status: 200 | 202; operationId: string }
  /** `gcore.task.updated`: `polled` when the task's polling loop was woken now. */
  | { kind: 'task-hint'; polled: boolean };

interface VerifiedInboundEvent {
  id: string;
  type: string;
  data: unknown;
}

const DEDUPE_TTL_S = 24 * 3600;
const TASK_ID_PATTERN = /^[0-9a-fA-F-]{36}$/;

/**
 * An inbound Standard Webhook: verified over its raw bytes (±5 min tolerance, by the `standardwebhooks` library), its
 * `webhook-id` claimed for 24 h with one SET NX (of two concurrent copies exactly one is handled), then handled: an
 * update request goes through the same use case as POST /v1/routing-policy-updates (the webhook-id doubles as the
 * idempotency key), a task hint wakes the task's polling loop. When handling fails (or was a dry run) the claim is given
 * up, so the sender's retry is not mistaken for a duplicate.
 */
@Injectable()
export class ReceiveInboundWebhookUseCase {
  private readonly logger = new Logger('InboundWebhooks');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly submit: SubmitUpdateUseCase,
    private readonly tasks: GcoreTaskWatcher,
  ) {}

  async execute(command: ReceiveInboundWebhookCommand): Promise<InboundWebhookOutcome> {
    const { source } = command;
    const event = this.verify(command);
    const claimKey = this.keys.key('inbound', source, event.id);
    const claimed = await this.redis.set(claimKey, '1', 'EX', DEDUPE_TTL_S, 'NX');
    if (claimed !== 'OK') return { kind: 'duplicate' };
    try {
      const outcome = await this.handle(source, event);
      // nothing was stored, so there is no operation to point at: the same webhook-id sent again plans again
      if (outcome.kind === 'planned') await this.redis.del(claimKey);
      return outcome;
    } catch (error) {
      await this.redis.del(claimKey);
      throw error;
    }
  }

  private async handle(source: string, event: VerifiedInboundEvent): Promise<InboundWebhookOutcome> {
    if (event.type === INBOUND_EVENT_TYPES.updateRequested) {
      const result = await this.submit.execute({ body: event.data, apiKeyName: `inbound:${source}`, idempotencyKey: event.id });
      if (result.operation.dryRun) return { kind: 'planned', operation: result.operation };
      return { kind: 'accepted', status: result.status === 200 ? 200 : 202, operationId: result.operation.id };
    }
    const taskId = (event.data as { taskId?: unknown } | null)?.taskId;
    if (typeof taskId !== 'string' || !TASK_ID_PATTERN.test(taskId)) {
      throw ProblemException.validation([{ path: 'data.taskId', message: 'must be a task id (UUID)' }]);
    }
    return { kind: 'task-hint', polled: (await this.tasks.pollNow(taskId)) === 'promoted' };
  }

  /** The source's secret, the signature and a known event type; a problem (404, 401, 400, 422) otherwise. */
  private verify({ source, rawBody, headers }: ReceiveInboundWebhookCommand): VerifiedInboundEvent {
    const secret = this.config.webhooks.inboundSecrets.get(source);
    if (!secret) {
      this.logger.warn({ source: source.slice(0, 64), reason: 'unknown source' }, 'inbound webhook rejected: unknown source');
      throw ProblemException.notFound(`No inbound webhook source named "${source}" is configured.`);
    }
    let payload: unknown;
    try {
      payload = verifyWebhook(secret, rawBody, headers);
    } catch (error) {
      const reason = rejectionReason(error);
      // never the signature, the secret or the body: the source, the reason and the claimed id and time only
      this.logger.warn(
        { source, reason, webhookId: headerText(headers['webhook-id']), webhookTimestamp: headerText(headers['webhook-timestamp']) },
        `inbound webhook rejected: ${reason}`,
      );
      throw new ProblemException({
        status: 401,
        slug: 'invalid-signature',
        detail: 'The webhook signature is missing or invalid, or its timestamp is more than 5 minutes off.',
      });
    }
    const event = payload as { type?: unknown; data?: unknown };
    if (!event || typeof event !== 'object' || typeof event.type !== 'string') {
      throw ProblemException.validation([{ path: 'type', message: 'must be a string' }]);
    }
    if (!(Object.values(INBOUND_EVENT_TYPES) as string[]).includes(event.type)) {
      throw ProblemException.unprocessable(
        [{ path: 'type', message: `must be one of ${Object.values(INBOUND_EVENT_TYPES).join(', ')}` }],
        `Unknown event type "${event.type}".`,
      );
    }
    return { id: String(headers['webhook-id']), type: event.type, data: event.data };
  }
}

/** Why verification failed, in fixed words (a JSON parse error would quote the body). */
function rejectionReason(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (/Missing required headers/.test(message)) return 'missing webhook-id, webhook-timestamp or webhook-signature header';
  if (/timestamp too old|timestamp too new|Invalid Signature Headers/.test(message)) return 'timestamp missing or more than 5 minutes off';
  if (/No matching signature/.test(message)) return 'signature does not match';
  if (error instanceof SyntaxError) return 'signed body is not JSON';
  return 'verification failed';
}

/** A header value for a log line: the first value, bounded (the sender chose it). */
function headerText(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined ? undefined : v.slice(0, 128);
}
