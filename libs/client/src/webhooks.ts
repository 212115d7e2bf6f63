/**
 * `@routing-policy-gateway/client/webhooks`: verify a webhook the gateway sent and get its typed event, with the Standard
 * Webhooks reference library (`standardwebhooks`). A separate entry point: the main one stays dependency-free, so a
 * browser loads it as it is (verifying needs the secret: do it on your server).
 */
import { Webhook, WebhookVerificationError as StandardWebhookError } from 'standardwebhooks';
import type { WebhookEvent } from './events.js';

export type { WebhookEvent, WebhookEventName, WebhookEventOf } from './events.js';

/** Request headers as Node (`req.headers`), fetch (`Headers`) or a plain object give them. */
export type WebhookHeaders = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

/** Why a webhook was refused: missing headers, no matching signature, a timestamp more than 5 minutes off, or a body that is no event. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(
    message: string,
    /** `signature`: headers, signature or timestamp (answer 401 and do not process it); `payload`: signed but not an event. */
    readonly reason: 'signature' | 'payload',
  ) {
    super(message);
  }
}

export function isWebhookVerificationError(error: unknown): error is WebhookVerificationError {
  return error instanceof WebhookVerificationError;
}

const SIGNATURE_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

function headerValue(headers: WebhookHeaders, name: string): string {
  if (typeof headers.get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? '';
  const plain = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(plain).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : plain[key];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

/**
 * Verifies a webhook's signature (Standard Webhooks: HMAC-SHA256 over `id.timestamp.body`, timestamp within 5 minutes)
 * with the subscription's secret (`whsec_...`, or the operation's `callbackSecret`), then returns the parsed event.
 * `payload` must be the raw body, exactly as received (not JSON re-serialised). Throws WebhookVerificationError.
 * Dedupe by `event.id` (equal to the `webhook-id` header): a retry or a replay sends the same event again.
 */
export function verifyWebhook(payload: string | Uint8Array, headers: WebhookHeaders, secret: string): WebhookEvent {
  const body = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
  const signed: Record<string, string> = {};
  for (const name of SIGNATURE_HEADERS) signed[name] = headerValue(headers, name);
  let event: unknown;
  try {
    event = new Webhook(secret).verify(body, signed);
  } catch (error) {
    if (error instanceof StandardWebhookError) throw new WebhookVerificationError(error.message, 'signature');
    if (error instanceof SyntaxError) throw new WebhookVerificationError(`The body is not JSON: ${error.message}`, 'payload');
    throw error;
  }
  const e = event as Partial<WebhookEvent> | undefined;
  if (!e || typeof e !== 'object' || typeof e.type !== 'string' || typeof e.id !== 'string' || typeof e.timestamp !== 'string' || !('data' in e))
    throw new WebhookVerificationError('The body is not a webhook event ({id, type, timestamp, data})', 'payload');
  if (e.id !== signed['webhook-id']) throw new WebhookVerificationError('The event id differs from the webhook-id header', 'payload');
  return e as WebhookEvent;
}
