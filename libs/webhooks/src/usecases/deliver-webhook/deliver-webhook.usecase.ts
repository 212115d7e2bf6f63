import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Agent, request } from 'undici';
import { OutboundUrlPolicy, OutboundUrlRefused } from '@rpg/common';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { ServiceMetrics } from '@rpg/observability';
import { OperationStore } from '@rpg/operations';
import { parseRetryAfterMs } from '@rpg/provider-http';
import { WEBHOOK_USER_AGENT_PREFIX, traceHeaders, tracingEnabled, withSpan } from '@rpg/tracing';
import { signWebhook } from '../../webhook-signer';
import { WebhookDelivery } from '../../webhook-delivery.store';
import { WebhookSubscriptionStore } from '../../webhook-subscription.store';

export const WEBHOOK_ATTEMPT_TIMEOUT_MS = 10_000;
const MAX_RETRY_AFTER_MS = 24 * 3600 * 1000;

/**
 * How an attempt left the delivery (its attempt recorded in it, not yet stored): ended (`gone`: its subscription was
 * disabled, the endpoint answered 410), or to be retried after `delayMs`.
 */
export type DeliveryOutcome = { kind: 'done'; delivery: WebhookDelivery; gone: boolean } | { kind: 'retry'; delayMs: number; delivery: WebhookDelivery };

/**
 * One attempt of one delivery: SSRF check (again: DNS may have changed), sign with the current secret(s), POST with a
 * 10 s timeout and no redirects. 2xx succeeds; 410 disables the subscription; anything else retries per
 * WEBHOOK_RETRY_DELAYS_MS with ±20 % jitter, honouring Retry-After; after the last attempt the delivery is FAILED and kept.
 * The caller stores the outcome (RunWebhookLaneUseCase: with the lane's next step, in one script).
 */
@Injectable()
export class DeliverWebhookUseCase implements OnApplicationShutdown {
  private readonly agent: Agent;
  private readonly logger = new Logger('WebhookDeliveries');

  constructor(
    private readonly subscriptions: WebhookSubscriptionStore,
    private readonly operations: OperationStore,
    private readonly urlPolicy: OutboundUrlPolicy,
    private readonly metrics: ServiceMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.agent = new Agent({
      connections: 256,
      keepAliveTimeout: 10_000,
      headersTimeout: WEBHOOK_ATTEMPT_TIMEOUT_MS,
      bodyTimeout: WEBHOOK_ATTEMPT_TIMEOUT_MS,
      connect: { timeout: 5_000, lookup: urlPolicy.guardedLookup },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close();
  }

  /**
   * One attempt with `secrets` (secretsFor; null: the subscription was deleted or disabled, nothing is sent). With
   * tracing on it is a span (`webhook.delivery`) of the trace the delivery was created in, and the POST carries its
   * `traceparent` (set here: the HTTP instrumentation leaves webhook requests alone, their URLs may hold tokens).
   */
  attempt(delivery: WebhookDelivery, secrets: string[] | null): Promise<DeliveryOutcome> {
    if (!tracingEnabled()) return this.attemptOnce(delivery, secrets);
    const attributes = {
      'rpg.webhook.delivery.id': delivery.id,
      'rpg.webhook.event.type': delivery.eventType,
      'rpg.webhook.attempt': delivery.attempts.length + 1,
      'server.address': hostOf(delivery.url),
      ...(delivery.operationId ? { 'rpg.operation.id': delivery.operationId } : {}),
    };
    return withSpan('webhook.delivery', { parent: delivery.traceparent, attributes }, async (span) => {
      const outcome = await this.attemptOnce(delivery, secrets);
      const last = outcome.delivery.attempts[outcome.delivery.attempts.length - 1];
      if (last?.statusCode != null) span?.setAttribute('http.response.status_code', last.statusCode);
      span?.setAttribute('rpg.webhook.outcome', outcome.kind === 'retry' ? 'retry' : outcome.delivery.status);
      return outcome;
    });
  }

  private async attemptOnce(delivery: WebhookDelivery, secrets: string[] | null): Promise<DeliveryOutcome> {
    if (!secrets) {
      const skipped = {
        attempt: delivery.attempts.length + 1,
        startedAt: new Date().toISOString(),
        durationMs: 0,
        statusCode: null,
        error: 'The subscription was deleted or disabled',
      };
      this.logAttempt(delivery, skipped, 'FAILED', null);
      return this.ended(delivery, 'FAILED', skipped);
    }

    const started = Date.now();
    const attemptNo = delivery.attempts.length + 1;
    let statusCode: number | null = null;
    let error: string | null = null;
    let retryAfterMs: number | undefined;
    try {
      await this.urlPolicy.check(delivery.url);
      const headers = {
        'content-type': 'application/json',
        'user-agent': `${WEBHOOK_USER_AGENT_PREFIX}1`,
        ...signWebhook(secrets, delivery.eventId, delivery.body),
        // tracing on: this attempt's span (`traceparent`), for consumers that continue the trace
        ...traceHeaders(),
      };
      const res = await request(delivery.url, {
        method: 'POST',
        headers,
        body: delivery.body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(WEBHOOK_ATTEMPT_TIMEOUT_MS),
      });
      statusCode = res.statusCode;
      retryAfterMs = parseRetryAfterMs(res.headers);
      await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      if (statusCode >= 300 && statusCode < 400) error = `redirect to ${String(res.headers.location ?? '?')} not followed`;
    } catch (e) {
      error = e instanceof OutboundUrlRefused ? `refused: ${e.message}` : describe(e);
    }
    const attempt = { attempt: attemptNo, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, statusCode, error };
    if (statusCode !== null && statusCode >= 200 && statusCode < 300) {
      this.metrics.webhookAttempts.inc({ outcome: 'success' });
      this.logAttempt(delivery, attempt, 'SUCCEEDED', null);
      return this.ended(delivery, 'SUCCEEDED', attempt);
    }
    if (statusCode === 410 && delivery.subscriptionId) {
      this.metrics.webhookAttempts.inc({ outcome: 'gone' });
      await this.subscriptions.disable(delivery.subscriptionId, 'The endpoint answered 410 Gone');
      const gone = { ...attempt, error: 'endpoint answered 410 Gone: subscription disabled' };
      this.logAttempt(delivery, gone, 'FAILED', null);
      this.logger.warn(
        { subscriptionId: delivery.subscriptionId, eventId: delivery.eventId, endpoint: hostOf(delivery.url) },
        'webhook subscription disabled: the endpoint answered 410 Gone',
      );
      return this.ended(delivery, 'FAILED', gone, true);
    }
    this.metrics.webhookAttempts.inc({ outcome: statusCode === null ? 'error' : 'http_error' });
    const delays = this.config.webhooks.retryDelaysMs;
    const attemptInRun = attemptNo - (delivery.runStartedAtAttempt ?? 0);
    if (attemptInRun > delays.length) {
      this.logAttempt(delivery, attempt, 'FAILED', null);
      return this.ended(delivery, 'FAILED', attempt);
    }
    const base = delays[attemptInRun - 1];
    const jittered = Math.round(base * (0.8 + Math.random() * 0.4));
    const delayMs = retryAfterMs !== undefined && retryAfterMs > 0 ? Math.min(retryAfterMs, MAX_RETRY_AFTER_MS) : jittered;
    delivery.attempts.push(attempt);
    delivery.nextRetryAt = new Date(Date.now() + delayMs).toISOString();
    this.logAttempt(delivery, attempt, 'PENDING', delivery.nextRetryAt);
    return { kind: 'retry', delayMs, delivery };
  }

  /** One line per attempt: who, which event, how it went and what happens next. Never the URL's path, the body or a secret. */
  private logAttempt(
    delivery: WebhookDelivery,
    attempt: WebhookDelivery['attempts'][number],
    status: WebhookDelivery['status'],
    nextRetryAt: string | null,
  ): void {
    const line = {
      deliveryId: delivery.id,
      subscriptionId: delivery.subscriptionId,
      operationId: delivery.operationId ?? undefined,
      endpoint: hostOf(delivery.url),
      eventId: delivery.eventId,
      eventType: delivery.eventType,
      attempt: attempt.attempt,
      statusCode: attempt.statusCode,
      error: attempt.error,
      durationMs: attempt.durationMs,
      deliveryStatus: status,
      nextRetryAt,
    };
    const outcome = attempt.statusCode !== null ? String(attempt.statusCode) : (attempt.error ?? 'error');
    const then = nextRetryAt ? `retry at ${nextRetryAt}` : status;
    const text = `webhook attempt ${attempt.attempt} of ${delivery.eventType} → ${outcome} in ${attempt.durationMs} ms; ${then}`;
    if (status === 'SUCCEEDED') this.logger.log(line, text);
    else this.logger.warn(line, text);
  }

  private ended(delivery: WebhookDelivery, status: 'SUCCEEDED' | 'FAILED', attempt: WebhookDelivery['attempts'][number], gone = false): DeliveryOutcome {
    delivery.attempts.push(attempt);
    delivery.status = status;
    delivery.nextRetryAt = null;
    return { kind: 'done', delivery, gone };
  }

  /** What the delivery signs with: its subscription's secret(s) while it is enabled, or its operation's callback secret; null when none. */
  async secretsFor(delivery: WebhookDelivery): Promise<string[] | null> {
    if (!delivery.subscriptionId) {
      const stored = delivery.operationId ? await this.operations.get(delivery.operationId) : null;
      return stored?.callbackSecret ? [stored.callbackSecret] : null;
    }
    const s = await this.subscriptions.enabledSecrets(delivery.subscriptionId);
    if (!s) return null;
    return s.previous && (s.previousUntil ?? 0) > Date.now() ? [s.current, s.previous] : [s.current];
  }
}

/** The endpoint's host only: a webhook URL's path or query often carries a token. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}

function describe(error: unknown): string {
  const e = error as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  // the attempt's AbortSignal and undici's own headers/body timers (same 10 s) race: report either the same way
  const timedOut = e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.code === 'UND_ERR_HEADERS_TIMEOUT' || e?.code === 'UND_ERR_BODY_TIMEOUT';
  if (timedOut) return `timeout: no answer within ${WEBHOOK_ATTEMPT_TIMEOUT_MS / 1000} s`;
  if (e?.cause instanceof OutboundUrlRefused) return `refused: ${e.cause.message}`;
  return e?.code ?? e?.cause?.code ?? e?.message ?? 'request failed';
}
