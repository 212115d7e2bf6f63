import { Inject, Injectable, Logger } from '@nestjs/common';
import { ProblemException } from '@rpg/common';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { REDIS, RedisKeys, RedisClient } from '@rpg/redis';
import { verifyWebhook } from '../../webhook-signer';

export const INBOUND_EVENT_TYPES = {
  updateRequested: 'routing-policy.update.requested',
  taskUpdated: 'gcore.task.updated',
} as const;

export interface VerifiedInboundEvent {
  id: string;
  type: string;
  data: unknown;
  duplicate: boolean;
}

const DEDUPE_TTL_S = 24 * 3600;

/**
 * Verifies an inbound Standard Webhook over its raw bytes (±5 min tolerance, by the `standardwebhooks` library) and
 * claims its `webhook-id` for 24 h with one SET NX: of two concurrent copies, exactly one gets duplicate=false.
 */
@Injectable()
export class ReceiveInboundWebhookUseCase {
  private readonly logger = new Logger('InboundWebhooks');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  async execute(source: string, rawBody: Buffer | string, headers: Record<string, string | string[] | undefined>): Promise<VerifiedInboundEvent> {
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
      this.logger.warn({ source, reason, webhookId: headerText(headers['webhook-id']), webhookTimestamp: headerText(headers['webhook-timestamp']) }, `inbound webhook rejected: ${reason}`);
      throw new ProblemException(401, 'invalid-signature', 'The webhook signature is missing or invalid, or its timestamp is more than 5 minutes off.');
    }
    const event = payload as { type?: unknown; data?: unknown };
    if (!event || typeof event !== 'object' || typeof event.type !== 'string') {
      throw ProblemException.validation([{ path: 'type', message: 'must be a string' }]);
    }
    const id = String(headers['webhook-id']);
    if (!(Object.values(INBOUND_EVENT_TYPES) as string[]).includes(event.type)) {
      throw ProblemException.unprocessable([{ path: 'type', message: `must be one of ${Object.values(INBOUND_EVENT_TYPES).join(', ')}` }], `Unknown event type "${event.type}".`);
    }
    const claimed = await this.redis.set(this.keys.key('inbound', source, id), '1', 'EX', DEDUPE_TTL_S, 'NX');
    return { id, type: event.type, data: event.data, duplicate: claimed !== 'OK' };
  }

  /** Gives up a claim when handling failed, so the sender's retry is not mistaken for a duplicate. */
  async release(source: string, id: string): Promise<void> {
    await this.redis.del(this.keys.key('inbound', source, id));
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
