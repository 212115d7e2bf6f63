import { Webhook } from 'standardwebhooks';

/**
 * Standard Webhooks signing with the `standardwebhooks` package: `webhook-id`, `webhook-timestamp` (this attempt) and
 * `webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`). Several secrets (rotation) give several
 * space-separated signatures, which every Standard Webhooks verifier accepts.
 */
export function signWebhook(secrets: string[], messageId: string, body: string, at = new Date()): Record<string, string> {
  const signatures = secrets.map((secret) => new Webhook(secret).sign(messageId, at, body));
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}

/** Verifies an inbound webhook over its raw bytes; throws when the signature or the timestamp (±5 min) is wrong. */
export function verifyWebhook(secret: string, rawBody: string | Buffer, headers: Record<string, string | string[] | undefined>): unknown {
  const flat: Record<string, string> = {};
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    const v = headers[name];
    flat[name] = Array.isArray(v) ? v[0] : (v ?? '');
  }
  return new Webhook(secret).verify(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'), flat);
}
