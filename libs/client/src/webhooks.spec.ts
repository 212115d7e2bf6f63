/** verifyWebhook: Standard Webhooks signatures (as the gateway signs), the typed event, and every way it refuses. */
import { Webhook } from 'standardwebhooks';
import type { OperationTargetCompletedEvent, WebhookEvent, WebhookEventOf } from './events.js';
import { WebhookVerificationError, isWebhookVerificationError, verifyWebhook } from './webhooks.js';

const SECRET = 'whsec_' + btoa('0123456789abcdef0123456789abcdef');
const OTHER = 'whsec_' + btoa('fedcba9876543210fedcba9876543210');
const EVENT = {
  id: 'evt_01KBG2P0ZJ6R3W8N5T1XQ7C4HM',
  type: 'webhook.test',
  timestamp: '2026-12-02T10:20:00.004Z',
  data: { subscriptionId: 'whs_01KBG2M1T5E9C2V7K4R8N3XJ6D', message: 'This is a test event.' },
};

function signed(body: string, opts: { id?: string; at?: Date; secrets?: string[] } = {}): Record<string, string> {
  const id = opts.id ?? EVENT.id;
  const at = opts.at ?? new Date();
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': (opts.secrets ?? [SECRET]).map((s) => new Webhook(s).sign(id, at, body)).join(' '),
  };
}

function refusal(run: () => unknown): { reason: string; message: string } {
  try {
    run();
  } catch (error) {
    expect(isWebhookVerificationError(error)).toBe(true);
    const e = error as WebhookVerificationError;
    expect(e.name).toBe('WebhookVerificationError');
    return { reason: e.reason, message: e.message };
  }
  throw new Error('not refused');
}

describe('verifyWebhook', () => {
  const body = JSON.stringify(EVENT);

  it('returns the typed event for a good signature: Node headers, fetch Headers, bytes, a rotation (two signatures)', () => {
    const event: WebhookEvent = verifyWebhook(body, signed(body), SECRET);
    expect(event).toEqual(EVENT);
    expect(verifyWebhook(new TextEncoder().encode(body), new Headers(signed(body)), SECRET)).toEqual(EVENT);
    const upper = Object.fromEntries(Object.entries(signed(body)).map(([k, v]) => [k.toUpperCase(), [v]]));
    expect(verifyWebhook(body, upper, SECRET)).toEqual(EVENT);
    expect(verifyWebhook(body, signed(body, { secrets: [OTHER, SECRET] }), SECRET)).toEqual(EVENT);
    // narrowing by type, at compile time
    if (event.type === 'webhook.test') expect(event.data.message).toBe('This is a test event.');
    const target: WebhookEventOf<'operation.target.completed'> | undefined = undefined as OperationTargetCompletedEvent | undefined;
    expect(target?.data.result.index).toBeUndefined();
  });

  it('refuses a changed body, another secret, missing headers and a stale timestamp (reason signature)', () => {
    expect(refusal(() => verifyWebhook(body + ' ', signed(body), SECRET))).toEqual({ reason: 'signature', message: 'No matching signature found' });
    expect(refusal(() => verifyWebhook(body, signed(body), OTHER)).reason).toBe('signature');
    expect(refusal(() => verifyWebhook(body, { 'webhook-id': EVENT.id }, SECRET)).message).toBe('Missing required headers');
    const old = new Date(Date.now() - 6 * 60_000);
    expect(refusal(() => verifyWebhook(body, signed(body, { at: old }), SECRET)).message).toBe('Message timestamp too old');
  });

  it('refuses a signed body that is not an event, or whose id is not the webhook-id (reason payload)', () => {
    expect(refusal(() => verifyWebhook('not json', signed('not json'), SECRET)).reason).toBe('payload');
    expect(refusal(() => verifyWebhook('{"a":1}', signed('{"a":1}'), SECRET)).reason).toBe('payload');
    expect(refusal(() => verifyWebhook(body, signed(body, { id: 'evt_other' }), SECRET))).toEqual({
      reason: 'payload',
      message: 'The event id differs from the webhook-id header',
    });
  });
});
