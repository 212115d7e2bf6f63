/** Webhook helpers of the in-process e2e tests: a scripted receiver, Standard Webhooks checks, the subscription API. */
import { Webhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { Harness, INBOUND_SECRET, auth, waitFor } from './harness';
import { ReceivedWebhook, ReceiverAnswer, startReceiver } from './receiver';

export interface Hit extends ReceivedWebhook {
  /** The parsed body. */
  event: { id: string; type: string; timestamp: string; data: any };
  /** 1 for the first time this webhook-id arrived, 2 for its first retry, ... */
  attempt: number;
}

/**
 * A receiver whose answer is scripted per request; `attempt` counts the arrivals of the same webhook-id, so events of
 * other operations arriving at the same endpoint do not shift the script.
 */
export async function scriptedReceiver(script: (hit: Hit) => ReceiverAnswer = () => ({ status: 200 })) {
  const counts = new Map<string, number>();
  const hits: Hit[] = [];
  const r = await startReceiver((_n, rec) => {
    const id = String(rec.headers['webhook-id']);
    const attempt = (counts.get(id) ?? 0) + 1;
    counts.set(id, attempt);
    const event: Hit['event'] = rec.json ?? { id: '', type: 'unparsable', timestamp: '', data: null };
    const hit: Hit = { ...rec, event, attempt };
    hits.push(hit);
    return script(hit);
  });
  return {
    url: r.url,
    hits,
    /** Hits whose event belongs to this operation (target events carry operationId, operation.completed the operation). */
    forOperation: (opId: string) => hits.filter((x) => x.event.data?.operationId === opId || x.event.data?.id === opId),
    close: r.close,
  };
}

/**
 * Receivers and subscriptions one test made, closed and deleted by `cleanUp` (afterEach): subscriptions are global to
 * the harness, so later tests' events must not reach old receivers.
 */
export function webhookFixtures(harness: () => Harness) {
  const cleanups: (() => Promise<unknown>)[] = [];
  return {
    async track<T extends { close(): Promise<void> }>(x: Promise<T>): Promise<T> {
      const v = await x;
      cleanups.push(() => v.close());
      return v;
    },
    async sub(url: string, events?: string[]) {
      const h = harness();
      const s = await subscribe(h, url, events);
      cleanups.push(() => h.http.delete(`/v1/webhook-subscriptions/${s.id}`).set(auth()));
      return s;
    },
    async cleanUp(): Promise<void> {
      while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
    },
  };
}

export function signatureHeaders(hit: ReceivedWebhook): Record<string, string> {
  return {
    'webhook-id': String(hit.headers['webhook-id']),
    'webhook-timestamp': String(hit.headers['webhook-timestamp']),
    'webhook-signature': String(hit.headers['webhook-signature']),
  };
}

/** Both Standard Webhooks verifiers (the reference library and Svix) accept the delivery with this secret. */
export function expectVerifies(secret: string, hit: ReceivedWebhook): void {
  const headers = signatureHeaders(hit);
  const a = new Webhook(secret).verify(hit.body, headers) as { id: string };
  const b = new SvixWebhook(secret).verify(hit.body, headers) as { id: string };
  expect(a.id).toBe(headers['webhook-id']);
  expect(b.id).toBe(headers['webhook-id']);
}

export function expectEnvelope(hit: Hit): void {
  expect(Object.keys(hit.event).sort()).toEqual(['data', 'id', 'timestamp', 'type']);
  expect(hit.headers['webhook-id']).toBe(hit.event.id);
  expect(new Date(hit.event.timestamp).toISOString()).toBe(hit.event.timestamp);
  expect(hit.headers['content-type']).toMatch(/^application\/json/);
  expect(String(hit.headers['webhook-timestamp'])).toMatch(/^\d{10}$/);
  expect(Math.abs(Number(hit.headers['webhook-timestamp']) - hit.at / 1000)).toBeLessThan(5);
  for (const sig of String(hit.headers['webhook-signature']).split(' ')) expect(sig).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
}

export async function subscribe(h: Harness, url: string, events: string[] = ['*']): Promise<{ id: string; secret: string }> {
  const res = await h.http.post('/v1/webhook-subscriptions').set(auth()).send({ url, events });
  expect(res.status).toBe(201);
  return { id: res.body.id, secret: res.body.secret };
}

export async function deliveries(h: Harness, subId: string): Promise<any[]> {
  const res = await h.http.get(`/v1/webhook-subscriptions/${subId}/deliveries`).set(auth());
  expect(res.status).toBe(200);
  return res.body;
}

/** Waits until the delivery of `eventId` has ended (SUCCEEDED or FAILED) and returns it. */
export async function endedDelivery(h: Harness, subId: string, eventId: string, timeoutMs = 20_000): Promise<any> {
  return waitFor(async () => (await deliveries(h, subId)).find((d) => d.eventId === eventId && d.status !== 'PENDING'), timeoutMs, 100);
}

/** POST /test: the subscription gets a webhook.test event; returns its event id. */
export async function sendTest(h: Harness, subId: string): Promise<string> {
  const res = await h.http.post(`/v1/webhook-subscriptions/${subId}/test`).set(auth());
  expect(res.status).toBe(202);
  expect(res.body.eventId).toEqual(expect.any(String));
  return res.body.eventId;
}

/** Standard Webhooks headers for an inbound request, signed with the harness's `ci` source secret unless told. */
export function signInbound(body: string, opts: { id?: string; at?: Date; secret?: string } = {}): Record<string, string> {
  const id = opts.id ?? `msg_${Math.random().toString(36).slice(2)}${Date.now()}`;
  const at = opts.at ?? new Date();
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(opts.secret ?? INBOUND_SECRET).sign(id, at, body),
  };
}
