import { get as httpGet, IncomingMessage } from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { OperationStore, newSortableId } from '@rpg/operations';
import { WebhookSubscriptionStore } from '@rpg/webhooks';
import {
  Harness,
  INBOUND_SECRET,
  READ_KEY,
  ReceivedWebhook,
  SEED,
  auth,
  l7Target,
  sandboxControl,
  startHarness,
  startReceiver,
  waitFor,
  waitForOperation,
} from '../support/harness';

jest.setTimeout(60_000);

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'PARTIALLY_SUCCEEDED']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Answer = { status: number; headers?: Record<string, string>; delayMs?: number };
interface Hit extends ReceivedWebhook {
  /** The parsed body. */
  event: { id: string; type: string; timestamp: string; data: any };
  /** 1 for the first time this webhook-id arrived, 2 for its first retry, ... */
  attempt: number;
}

/**
 * A receiver whose answer is scripted per request; `attempt` counts the arrivals of the same webhook-id, so events of
 * other operations arriving at the same endpoint do not shift the script.
 */
async function receiver(script: (hit: Hit) => Answer = () => ({ status: 200 })) {
  const counts = new Map<string, number>();
  const hits: Hit[] = [];
  const r = await startReceiver((n) => {
    const rec = r.received[n - 1];
    const id = String(rec.headers['webhook-id']);
    const attempt = (counts.get(id) ?? 0) + 1;
    counts.set(id, attempt);
    let event: Hit['event'];
    try {
      event = JSON.parse(rec.body);
    } catch {
      event = { id: '', type: 'unparsable', timestamp: '', data: null };
    }
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

function signatureHeaders(hit: ReceivedWebhook): Record<string, string> {
  return {
    'webhook-id': String(hit.headers['webhook-id']),
    'webhook-timestamp': String(hit.headers['webhook-timestamp']),
    'webhook-signature': String(hit.headers['webhook-signature']),
  };
}

/** Both Standard Webhooks verifiers (the reference library and Svix) accept the delivery with this secret. */
function expectVerifies(secret: string, hit: ReceivedWebhook): void {
  const headers = signatureHeaders(hit);
  const a = new Webhook(secret).verify(hit.body, headers) as { id: string };
  const b = new SvixWebhook(secret).verify(hit.body, headers) as { id: string };
  expect(a.id).toBe(headers['webhook-id']);
  expect(b.id).toBe(headers['webhook-id']);
}

function expectEnvelope(hit: Hit): void {
  expect(Object.keys(hit.event).sort()).toEqual(['data', 'id', 'timestamp', 'type']);
  expect(hit.headers['webhook-id']).toBe(hit.event.id);
  expect(new Date(hit.event.timestamp).toISOString()).toBe(hit.event.timestamp);
  expect(hit.headers['content-type']).toMatch(/^application\/json/);
  expect(String(hit.headers['webhook-timestamp'])).toMatch(/^\d{10}$/);
  expect(Math.abs(Number(hit.headers['webhook-timestamp']) - hit.at / 1000)).toBeLessThan(5);
  for (const sig of String(hit.headers['webhook-signature']).split(' ')) expect(sig).toMatch(/^v1,[A-Za-z0-9+/]+={0,2}$/);
}

async function subscribe(h: Harness, url: string, events: string[] = ['*']): Promise<{ id: string; secret: string }> {
  const res = await h.http.post('/v1/webhook-subscriptions').set(auth()).send({ url, events });
  expect(res.status).toBe(201);
  return { id: res.body.id, secret: res.body.secret };
}

async function deliveries(h: Harness, subId: string): Promise<any[]> {
  const res = await h.http.get(`/v1/webhook-subscriptions/${subId}/deliveries`).set(auth());
  expect(res.status).toBe(200);
  return res.body;
}

/** Waits until the delivery of `eventId` has ended (SUCCEEDED or FAILED) and returns it. */
async function endedDelivery(h: Harness, subId: string, eventId: string, timeoutMs = 20_000): Promise<any> {
  return waitFor(async () => (await deliveries(h, subId)).find((d) => d.eventId === eventId && d.status !== 'PENDING'), timeoutMs, 100);
}

async function sendTest(h: Harness, subId: string): Promise<string> {
  const res = await h.http.post(`/v1/webhook-subscriptions/${subId}/test`).set(auth());
  expect(res.status).toBe(202);
  expect(res.body.eventId).toEqual(expect.any(String));
  return res.body.eventId;
}

async function submit(h: Harness, body: unknown, headers: Record<string, string> = {}) {
  return h.http.post('/v1/routing-policy-updates').set({ ...auth(), ...headers }).send(body as object);
}

function signInbound(body: string, opts: { id?: string; at?: Date; secret?: string } = {}): Record<string, string> {
  const id = opts.id ?? `msg_${Math.random().toString(36).slice(2)}${Date.now()}`;
  const at = opts.at ?? new Date();
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(opts.secret ?? INBOUND_SECRET).sign(id, at, body),
  };
}

/** waitForOperation, with the operation's last state in the error when it does not end in time. */
async function finished(h: Harness, id: string, timeoutMs = 20_000): Promise<Record<string, any>> {
  try {
    return await waitForOperation(h, id, timeoutMs);
  } catch (error) {
    const now = await h.http.get(`/v1/operations/${id}`).set(auth());
    throw new Error(`${(error as Error).message}; operation ${id} is ${JSON.stringify(now.body)}`);
  }
}

async function listen(h: Harness): Promise<number> {
  const server = h.gateway.getHttpServer();
  if (!server.listening) await h.gateway.listen(0, '127.0.0.1');
  return (server.address() as AddressInfo).port;
}

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
}

/** Reads a whole SSE stream (until the server ends it) with a plain http.get. */
function readSse(port: number, path: string, headers: Record<string, string> = auth(), timeoutMs = 20_000): Promise<{ res: IncomingMessage; raw: string; events: SseEvent[]; retry?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpGet({ host: '127.0.0.1', port, path, headers }, (res) => {
      let raw = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (raw += c));
      res.on('end', () => {
        clearTimeout(timer);
        const events: SseEvent[] = [];
        let retry: string | undefined;
        for (const block of raw.split('\n\n')) {
          const e: SseEvent = {};
          for (const line of block.split('\n')) {
            if (!line || line.startsWith(':')) continue;
            const i = line.indexOf(':');
            const field = line.slice(0, i) as keyof SseEvent;
            const value = line.slice(i + 1).replace(/^ /, '');
            e[field] = field === 'data' && e.data !== undefined ? `${e.data}\n${value}` : value;
          }
          if (e.retry !== undefined) retry = e.retry;
          if (e.data !== undefined || e.event !== undefined) events.push(e);
        }
        resolve({ res, raw, events, retry });
      });
      res.on('error', reject);
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`SSE stream ${path} did not end within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', reject);
  });
}

describe('webhooks (outbound + inbound), live status (SSE, Prefer: wait), idempotency and history', () => {
  let h: Harness;
  let port: number;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    h = await startHarness({ env: { WEBHOOK_RETRY_DELAYS_MS: '200,200,200' } });
    port = await listen(h);
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await sandboxControl(h, 'POST', '/__sandbox/reset');
  });
  afterEach(async () => {
    // subscriptions are global to the harness: drop them so later tests' events do not reach old receivers
    while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
  });

  async function track<T extends { close(): Promise<void> }>(x: Promise<T>): Promise<T> {
    const v = await x;
    cleanups.push(() => v.close());
    return v;
  }
  async function sub(url: string, events?: string[]) {
    const s = await subscribe(h, url, events);
    cleanups.push(() => h.http.delete(`/v1/webhook-subscriptions/${s.id}`).set(auth()));
    return s;
  }

  describe('outbound deliveries', () => {
    it('POST /test delivers webhook.test: {id,type,timestamp,data}, webhook-id = body.id, verified by standardwebhooks and svix', async () => {
      const r = await track(receiver());
      const s = await sub(r.url, ['operation.completed']);
      const eventId = await sendTest(h, s.id);
      const hit = await waitFor(async () => r.hits.find((x) => x.event.id === eventId));
      expect(hit.event.type).toBe('webhook.test');
      expect(hit.event.data).toMatchObject({ subscriptionId: s.id });
      expectEnvelope(hit);
      expectVerifies(s.secret, hit);
      // a tampered body or another secret is refused by both verifiers
      expect(() => new Webhook(s.secret).verify(hit.body.replace('webhook.test', 'webhook.tesT'), signatureHeaders(hit))).toThrow();
      const other = 'whsec_' + Buffer.from('another-secret-another-secret-00').toString('base64');
      expect(() => new SvixWebhook(other).verify(hit.body, signatureHeaders(hit))).toThrow();

      const d = await endedDelivery(h, s.id, eventId);
      expect(d).toMatchObject({ eventId, eventType: 'webhook.test', status: 'SUCCEEDED', nextRetryAt: null });
      expect(d.attempts).toEqual([{ attempt: 1, startedAt: expect.any(String), durationMs: expect.any(Number), statusCode: 200, error: null }]);
    });

    it('retries 500, 500 then 200 with the same webhook-id (fresh timestamp and signature each time) and records 3 attempts', async () => {
      const r = await track(receiver((hit) => ({ status: hit.attempt <= 2 ? 500 : 200 })));
      const s = await sub(r.url);
      const eventId = await sendTest(h, s.id);
      const d = await endedDelivery(h, s.id, eventId);
      const hits = r.hits.filter((x) => x.event.id === eventId);
      expect(hits).toHaveLength(3);
      for (const hit of hits) {
        expect(hit.headers['webhook-id']).toBe(eventId);
        expect(hit.body).toBe(hits[0].body); // the exact same body every time
        expectVerifies(s.secret, hit);
      }
      // 200 ms ±20 % between attempts
      expect(hits[1].at - hits[0].at).toBeGreaterThanOrEqual(150);
      expect(hits[2].at - hits[1].at).toBeGreaterThanOrEqual(150);

      expect(d.status).toBe('SUCCEEDED');
      expect(d.nextRetryAt).toBeNull();
      expect(d.attempts.map((a: any) => [a.attempt, a.statusCode])).toEqual([
        [1, 500],
        [2, 500],
        [3, 200],
      ]);
      for (const a of d.attempts) {
        expect(a.durationMs).toEqual(expect.any(Number));
        expect(a.durationMs).toBeGreaterThanOrEqual(0);
        expect(new Date(a.startedAt).toISOString()).toBe(a.startedAt);
      }
      expect(d.attempts[0].error).toBeNull();
      const starts = d.attempts.map((a: any) => Date.parse(a.startedAt));
      expect(starts[1]).toBeGreaterThan(starts[0]);
      expect(starts[2]).toBeGreaterThan(starts[1]);
    });

    it('shows the next retry while a delivery is pending', async () => {
      const r = await track(receiver((hit): Answer => (hit.attempt === 1 ? { status: 503, headers: { 'retry-after': '2' } } : { status: 200 })));
      const s = await sub(r.url);
      const eventId = await sendTest(h, s.id);
      const pending = await waitFor(async () => (await deliveries(h, s.id)).find((d) => d.eventId === eventId && d.attempts.length === 1));
      expect(pending.status).toBe('PENDING');
      expect(Date.parse(pending.nextRetryAt)).toBeGreaterThan(Date.now());
      // a pending delivery cannot be replayed
      const replay = await h.http.post(`/v1/webhook-subscriptions/${s.id}/deliveries/${pending.id}/replay`).set(auth());
      expect(replay.status).toBe(409);
      expect((await endedDelivery(h, s.id, eventId)).status).toBe('SUCCEEDED');
    });

    it('honours Retry-After: 1 (the next attempt comes about a second later, not after the 200 ms schedule)', async () => {
      const r = await track(receiver((hit) => (hit.attempt === 1 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 })));
      const s = await sub(r.url);
      const eventId = await sendTest(h, s.id);
      const d = await endedDelivery(h, s.id, eventId);
      const hits = r.hits.filter((x) => x.event.id === eventId);
      expect(hits).toHaveLength(2);
      expect(hits[1].at - hits[0].at).toBeGreaterThanOrEqual(950);
      expect(d.attempts.map((a: any) => a.statusCode)).toEqual([503, 200]);
      expect(d.status).toBe('SUCCEEDED');
    });

    it('410 Gone disables the subscription; nothing more is sent to it', async () => {
      const r = await track(receiver(() => ({ status: 410 })));
      const s = await sub(r.url);
      const eventId = await sendTest(h, s.id);
      const d = await endedDelivery(h, s.id, eventId);
      expect(d.status).toBe('FAILED');
      expect(d.attempts).toHaveLength(1);
      expect(d.attempts[0]).toMatchObject({ statusCode: 410, error: expect.stringContaining('410') });
      const got = await h.http.get(`/v1/webhook-subscriptions/${s.id}`).set(auth());
      expect(got.body).toMatchObject({ status: 'DISABLED', disabledReason: expect.stringContaining('410') });

      // neither a test event, nor operation events, nor a replay reach it
      await sendTest(h, s.id);
      const op = await submit(h, { updates: [{ target: l7Target(1), changes: { name: 'after-gone' } }] });
      await finished(h, op.body.id);
      const replay = await h.http.post(`/v1/webhook-subscriptions/${s.id}/deliveries/${d.id}/replay`).set(auth());
      expect(replay.status).toBe(409);
      await sleep(1000);
      expect(r.hits).toHaveLength(1);
    });

    it('a receiver answering after 11 s times out (10 s) and the delivery is retried', async () => {
      const r = await track(receiver((hit) => (hit.attempt === 1 ? { status: 200, delayMs: 11_000 } : { status: 200 })));
      const s = await sub(r.url);
      const eventId = await sendTest(h, s.id);
      const d = await endedDelivery(h, s.id, eventId, 25_000);
      expect(d.status).toBe('SUCCEEDED');
      expect(d.attempts).toHaveLength(2);
      expect(d.attempts[0].statusCode).toBeNull();
      expect(d.attempts[0].error).toMatch(/10 s|timeout|timed out/i);
      expect(d.attempts[0].durationMs).toBeGreaterThanOrEqual(9_500);
      expect(d.attempts[0].durationMs).toBeLessThan(11_000);
      expect(d.attempts[1].statusCode).toBe(200);
      const hits = r.hits.filter((x) => x.event.id === eventId);
      expect(hits.map((x) => x.headers['webhook-id'])).toEqual([eventId, eventId]);
    }, 40_000);

    it('a connection error (nothing listening) is recorded and retried until the delivery fails', async () => {
      // a port that was just free: connection refused
      const probe = createServer();
      await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
      const deadPort = (probe.address() as AddressInfo).port;
      await new Promise<void>((r) => probe.close(() => r()));
      const s = await sub(`http://127.0.0.1:${deadPort}/hook`);
      const eventId = await sendTest(h, s.id);
      const d = await endedDelivery(h, s.id, eventId);
      expect(d.status).toBe('FAILED');
      expect(d.attempts).toHaveLength(4);
      for (const a of d.attempts) expect(a).toMatchObject({ statusCode: null, error: expect.stringMatching(/ECONNREFUSED/) });
    });

    it('does not follow a 302 redirect: the attempt records 302 and the reason, the redirect target is never hit', async () => {
      const target = await track(receiver());
      const r = await track(receiver((hit) => (hit.attempt === 1 ? { status: 302, headers: { location: target.url } } : { status: 200 })));
      const s = await sub(r.url);
      const eventId = await sendTest(h, s.id);
      const d = await endedDelivery(h, s.id, eventId);
      expect(d.attempts[0].statusCode).toBe(302);
      expect(d.attempts[0].error).toMatch(/redirect/i);
      expect(d.attempts[0].error).toMatch(/not followed/i);
      expect(d.attempts[1].statusCode).toBe(200);
      expect(d.status).toBe('SUCCEEDED');
      expect(target.hits).toHaveLength(0);
    });

    it('after the last attempt the delivery is FAILED and kept; a replay sends it again with the same webhook-id', async () => {
      let healthy = false;
      const r = await track(receiver(() => ({ status: healthy ? 204 : 500 })));
      const s = await sub(r.url);
      const eventId = await sendTest(h, s.id);
      const failed = await endedDelivery(h, s.id, eventId);
      expect(failed.status).toBe('FAILED');
      expect(failed.nextRetryAt).toBeNull();
      expect(failed.attempts.map((a: any) => a.statusCode)).toEqual([500, 500, 500, 500]); // first + 3 retries (200,200,200)
      await sleep(600);
      expect(r.hits.filter((x) => x.event.id === eventId)).toHaveLength(4);
      // still listed (kept for replay)
      expect((await deliveries(h, s.id)).find((x) => x.id === failed.id)).toMatchObject({ status: 'FAILED' });

      healthy = true;
      const replay = await h.http.post(`/v1/webhook-subscriptions/${s.id}/deliveries/${failed.id}/replay`).set(auth());
      expect(replay.status).toBe(202);
      expect(replay.body).toMatchObject({ id: failed.id, eventId, status: 'PENDING' });
      const done = await waitFor(async () => (await deliveries(h, s.id)).find((x) => x.id === failed.id && x.status === 'SUCCEEDED'));
      expect(done.attempts.map((a: any) => a.statusCode)).toEqual([500, 500, 500, 500, 204]);
      const hits = r.hits.filter((x) => x.event.id === eventId);
      expect(hits).toHaveLength(5);
      expect(hits[4].headers['webhook-id']).toBe(eventId);
      expect(hits[4].body).toBe(hits[0].body);
      expectVerifies(s.secret, hits[4]);

      // unknown delivery, and a delivery of another subscription: 404
      expect((await h.http.post(`/v1/webhook-subscriptions/${s.id}/deliveries/dlv_nope/replay`).set(auth())).status).toBe(404);
      const other = await sub(r.url);
      expect((await h.http.post(`/v1/webhook-subscriptions/${other.id}/deliveries/${failed.id}/replay`).set(auth())).status).toBe(404);
    });

    it('keeps event order per operation: both operation.target.completed before operation.completed, also when the first is answered 500 once', async () => {
      // the first event of each operation to arrive is answered 500 once; the later ones must wait for its retry
      const firstOf = new Map<string, string>();
      const opOf = (hit: Hit): string => hit.event.data?.operationId ?? hit.event.data?.id;
      const r = await track(
        receiver((hit) => {
          const op = opOf(hit);
          if (!firstOf.has(op)) firstOf.set(op, hit.event.id);
          return { status: firstOf.get(op) === hit.event.id && hit.attempt === 1 ? 500 : 200 };
        }),
      );
      const s = await sub(r.url, ['*']);
      // several operations at once, two targets each: both targets end at about the same time, so their events race
      const ops = await Promise.all(
        [0, 1, 2].map(async (i) => {
          const res = await submit(h, { updates: [{ target: l7Target(2 * i + 1), changes: { name: `order-${i}-a` } }, { target: l7Target(2 * i + 2), changes: { name: `order-${i}-b` } }] });
          expect(res.status).toBe(202);
          return res.body.id as string;
        }),
      );
      for (const id of ops) expect((await finished(h, id)).status).toBe('SUCCEEDED');
      for (const id of ops) {
        await waitFor(async () => r.forOperation(id).some((x) => x.event.type === 'operation.completed'));
        await sleep(300); // anything arriving late (out of order) would show up now
        const all = r.forOperation(id);
        const distinct = [...new Map(all.map((x) => [x.event.id, x.event.type])).values()];
        expect(distinct).toEqual(['operation.target.completed', 'operation.target.completed', 'operation.completed']);
        // the first event was retried (500, then 200); nothing else arrived before that retry
        const firstId = all[0].event.id;
        const first = all.filter((x) => x.event.id === firstId);
        expect(first.map((x) => x.attempt)).toEqual([1, 2]);
        expect(all[1].event.id).toBe(firstId);
        for (const x of all) expectVerifies(s.secret, x);
        const done = all.find((x) => x.event.type === 'operation.completed')!;
        expect(done.event.data).toMatchObject({ id, status: 'SUCCEEDED' });
        const targets = all.filter((x) => x.event.type === 'operation.target.completed' && x.attempt === 1).map((x) => x.event.data);
        expect(targets.map((t) => t.result.index).sort()).toEqual([0, 1]);
        for (const t of targets) expect(t).toMatchObject({ operationId: id, reference: null, result: { status: 'SUCCEEDED' } });
      }
    });

    it('after rotate-secret the next delivery verifies with both the old and the new secret', async () => {
      const r = await track(receiver());
      const s = await sub(r.url);
      const rotated = await h.http.post(`/v1/webhook-subscriptions/${s.id}/rotate-secret`).set(auth());
      expect(rotated.status).toBe(201);
      expect(rotated.body.secret).toMatch(/^whsec_/);
      expect(rotated.body.secret).not.toBe(s.secret);
      expect(Date.parse(rotated.body.previousSecretValidUntil)).toBeGreaterThan(Date.now() + 23 * 3600 * 1000);
      const eventId = await sendTest(h, s.id);
      const hit = await waitFor(async () => r.hits.find((x) => x.event.id === eventId));
      expect(String(hit.headers['webhook-signature']).split(' ')).toHaveLength(2);
      expectVerifies(s.secret, hit);
      expectVerifies(rotated.body.secret, hit);
      // the new secret is not readable afterwards
      const got = await h.http.get(`/v1/webhook-subscriptions/${s.id}`).set(auth());
      expect(JSON.stringify(got.body)).not.toContain(rotated.body.secret);
      expect((await h.http.post('/v1/webhook-subscriptions/whs_nope/rotate-secret').set(auth())).status).toBe(404);
    });

    it('a callbackUrl gets the operation events signed with the callbackSecret of the 202 answer (not readable later)', async () => {
      const r = await track(receiver());
      const res = await submit(h, { updates: [{ target: l7Target(9), changes: { name: 'with-callback' } }], callbackUrl: r.url, reference: 'cb-1' });
      expect(res.status).toBe(202);
      const secret: string = res.body.callbackSecret;
      expect(secret).toMatch(/^whsec_/);
      const id = res.body.id;
      await finished(h, id);
      await waitFor(async () => r.forOperation(id).some((x) => x.event.type === 'operation.completed'));
      const hits = r.forOperation(id);
      expect(hits.map((x) => x.event.type)).toEqual(['operation.target.completed', 'operation.completed']);
      for (const hit of hits) {
        expectEnvelope(hit);
        expectVerifies(secret, hit);
      }
      expect(hits[0].event.data).toMatchObject({ operationId: id, reference: 'cb-1' });
      const got = await h.http.get(`/v1/operations/${id}`).set(auth());
      expect(got.status).toBe(200);
      expect(got.body.callbackSecret).toBeUndefined();
      expect(JSON.stringify(got.body)).not.toContain(secret);
      const listed = await h.http.get('/v1/operations?limit=200').set(auth());
      expect(JSON.stringify(listed.body)).not.toContain(secret);
    });

    it('deliveries and subscriptions need webhooks.manage', async () => {
      const s = await sub('http://127.0.0.1:9/hook');
      expect((await h.http.get(`/v1/webhook-subscriptions/${s.id}/deliveries`).set(auth(READ_KEY))).status).toBe(403);
      expect((await h.http.get(`/v1/webhook-subscriptions/${s.id}/deliveries`)).status).toBe(401);
      expect((await h.http.get('/v1/webhook-subscriptions/whs_nope/deliveries').set(auth())).status).toBe(404);
      expect((await h.http.post('/v1/webhook-subscriptions/whs_nope/test').set(auth())).status).toBe(404);
    });
  });

  describe('inbound webhooks', () => {
    const post = (source: string, body: string, headers: Record<string, string>) => h.http.post(`/v1/inbound-webhooks/${source}`).set(headers).send(body);
    const updateEvent = (n: number, name: string) =>
      JSON.stringify({ type: 'routing-policy.update.requested', timestamp: new Date().toISOString(), data: { updates: [{ target: l7Target(n), changes: { name } }], reference: `inbound-${name}` } });

    it('routing-policy.update.requested creates an operation (202 {operationId}) that completes', async () => {
      // pretty-printed with a trailing newline: verified over the raw bytes, not over re-serialized JSON
      const body = JSON.stringify(JSON.parse(updateEvent(1, 'from-ci')), null, 2) + '\n';
      const res = await post('ci', body, signInbound(body));
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ operationId: expect.stringMatching(/^op_/) });
      const op = await finished(h, res.body.operationId);
      expect(op).toMatchObject({ status: 'SUCCEEDED', reference: 'inbound-from-ci' });
    });

    it('answers 401 for a bad signature, a tampered body, missing headers and a 10-minute-old timestamp', async () => {
      const body = updateEvent(2, 'bad-sig');
      const other = 'whsec_' + Buffer.from('wrong-secret-wrong-secret-000000').toString('base64');
      const bad = await post('ci', body, signInbound(body, { secret: other }));
      expect(bad.status).toBe(401);
      expect(bad.headers['content-type']).toMatch(/^application\/problem\+json/);
      const signed = signInbound(body);
      expect((await post('ci', body.replace('bad-sig', 'bad-siG'), signed)).status).toBe(401);
      expect((await post('ci', body, { 'content-type': 'application/json' })).status).toBe(401);
      const stale = await post('ci', body, signInbound(body, { at: new Date(Date.now() - 10 * 60 * 1000) }));
      expect(stale.status).toBe(401);
      // the signature over the same id works afterwards: a refused request does not burn its webhook-id
      expect((await post('ci', body, { ...signed })).status).toBe(202);
    });

    it('a repeated webhook-id answers 200 {duplicate: true} and creates nothing', async () => {
      const body = updateEvent(3, 'dup');
      const headers = signInbound(body);
      const first = await post('ci', body, headers);
      expect(first.status).toBe(202);
      const again = await post('ci', body, headers);
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ duplicate: true });
      // the same id re-signed with a fresh timestamp is still a duplicate
      const resigned = await post('ci', body, signInbound(body, { id: headers['webhook-id'] }));
      expect(resigned.body).toEqual({ duplicate: true });
    });

    it('two identical requests at once make exactly one operation', async () => {
      const body = updateEvent(4, 'race');
      const headers = signInbound(body);
      const answers = await Promise.all([post('ci', body, headers), post('ci', body, headers)]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 202]);
      const created = answers.find((a) => a.status === 202)!;
      expect(answers.find((a) => a.status === 200)!.body).toEqual({ duplicate: true });
      await finished(h, created.body.operationId);
      const page = await h.http.get('/v1/operations?limit=200').set(auth());
      expect(page.body.items.filter((o: any) => o.reference === 'inbound-race')).toHaveLength(1);
    });

    it('unknown source → 404, unknown type → 422, bad task id → 400', async () => {
      const body = updateEvent(5, 'nowhere');
      const unknownSource = await post('nope', body, signInbound(body));
      expect(unknownSource.status).toBe(404);
      expect(unknownSource.headers['content-type']).toMatch(/^application\/problem\+json/);
      const weird = JSON.stringify({ type: 'something.else', timestamp: new Date().toISOString(), data: {} });
      const unknownType = await post('ci', weird, signInbound(weird));
      expect(unknownType.status).toBe(422);
      const badTask = JSON.stringify({ type: 'gcore.task.updated', timestamp: new Date().toISOString(), data: { taskId: 'not-a-task' } });
      const badTaskHeaders = signInbound(badTask);
      expect((await post('ci', badTask, badTaskHeaders)).status).toBe(400);
      // a request that failed is not remembered as seen
      expect((await post('ci', badTask, badTaskHeaders)).status).toBe(400);
      const unknownTask = JSON.stringify({ type: 'gcore.task.updated', timestamp: new Date().toISOString(), data: { taskId: '00000000-0000-4000-8000-000000000000' } });
      const res = await post('ci', unknownTask, signInbound(unknownTask));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ accepted: true, polled: false });
    });
  });

  describe('live status: SSE and Prefer: wait', () => {
    it('streams the current state first, then every change, and ends after the terminal state', async () => {
      const res = await submit(h, { updates: [{ target: l7Target(1), changes: { name: 'sse-live' } }, { target: l7Target(2), changes: { name: 'sse-live-2' } }] });
      const id = res.body.id;
      const stream = await readSse(port, `/v1/operations/${id}/events`);
      expect(stream.res.statusCode).toBe(200);
      expect(stream.res.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(stream.res.headers['x-accel-buffering']).toBe('no');
      expect(stream.res.headers['cache-control']).toMatch(/no-cache/);
      expect(stream.retry).toMatch(/^\d+$/);
      expect(stream.events.length).toBeGreaterThanOrEqual(2);
      const ids = stream.events.map((e) => Number(e.id));
      for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]);
      for (const e of stream.events) expect(e.event).toBe('operation.updated');
      const ops = stream.events.map((e) => JSON.parse(e.data!));
      for (const o of ops) expect(o.id).toBe(id);
      expect(['PENDING', 'RUNNING']).toContain(ops[0].status);
      expect(ops[ops.length - 1].status).toBe('SUCCEEDED');
      expect(ops.slice(0, -1).every((o) => !TERMINAL.has(o.status))).toBe(true);
      // status only moves forward; updatedAt never goes back
      const rank = { PENDING: 0, RUNNING: 1, SUCCEEDED: 2 } as Record<string, number>;
      for (let i = 1; i < ops.length; i++) {
        expect(rank[ops[i].status]).toBeGreaterThanOrEqual(rank[ops[i - 1].status]);
        expect(Date.parse(ops[i].updatedAt)).toBeGreaterThanOrEqual(Date.parse(ops[i - 1].updatedAt));
      }
      // the intermediate changes were streamed (a task state change, results ending), not only the first and last state
      expect(ops.some((o) => o.status === 'RUNNING')).toBe(true);
      expect(ops[ops.length - 1]).toEqual((await h.http.get(`/v1/operations/${id}`).set(auth())).body);
    });

    it('a finished operation streams its state once and ends', async () => {
      const res = await submit(h, { updates: [{ target: l7Target(3), changes: { name: 'sse-done' } }] });
      await finished(h, res.body.id);
      const stream = await readSse(port, `/v1/operations/${res.body.id}/events`, auth(READ_KEY));
      expect(stream.events).toHaveLength(1);
      expect(JSON.parse(stream.events[0].data!)).toMatchObject({ id: res.body.id, status: 'SUCCEEDED' });
    });

    it('unknown operation → 404 problem; no key → 401', async () => {
      for (const id of ['op_01JD8X3Q4M5N6P7R8S9T0V1W2X', 'nope']) {
        const res = await h.http.get(`/v1/operations/${id}/events`).set(auth());
        expect(res.status).toBe(404);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ status: 404 });
      }
      expect((await h.http.get('/v1/operations/op_01JD8X3Q4M5N6P7R8S9T0V1W2X/events')).status).toBe(401);
    });

    it('Prefer: wait=10 answers 200 with the finished operation and Preference-Applied', async () => {
      const res = await submit(h, { updates: [{ target: l7Target(4), changes: { name: 'wait-ok' } }] }, { prefer: 'wait=10' });
      expect(res.status).toBe(200);
      expect(res.headers['preference-applied']).toBe('wait=10');
      expect(res.headers.location).toBe(`/v1/operations/${res.body.id}`);
      expect(res.body).toMatchObject({ status: 'SUCCEEDED', completedAt: expect.any(String) });
      expect(res.body.results[0]).toMatchObject({ status: 'SUCCEEDED', gcore: { tasks: [{ state: 'FINISHED' }] } });
    });

    it('Prefer: wait=1 with a long task answers 202 after about a second', async () => {
      await sandboxControl(h, 'POST', '/__sandbox/faults', { method: 'PATCH', path: SEED.l7(5), taskDurationMs: 2500 });
      const started = Date.now();
      const res = await submit(h, { updates: [{ target: l7Target(5), changes: { name: 'wait-long' } }] }, { prefer: 'wait=1' });
      const took = Date.now() - started;
      expect(res.status).toBe(202);
      expect(res.headers['preference-applied']).toBeUndefined();
      expect(TERMINAL.has(res.body.status)).toBe(false);
      expect(took).toBeGreaterThanOrEqual(900);
      expect(took).toBeLessThan(3000);
      expect((await finished(h, res.body.id)).status).toBe('SUCCEEDED');
    });
  });

  describe('Idempotency-Key', () => {
    it('same key and body → same operation with Idempotent-Replayed; another body → 422', async () => {
      const body = { updates: [{ target: l7Target(6), changes: { name: 'idem-1' } }] };
      const key = `idem-${Date.now()}-a`;
      const first = await submit(h, body, { 'idempotency-key': key });
      expect(first.status).toBe(202);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const second = await submit(h, body, { 'idempotency-key': key });
      expect(second.status).toBe(202);
      expect(second.body.id).toBe(first.body.id);
      expect(second.headers['idempotent-replayed']).toBe('true');
      expect(second.headers.location).toBe(`/v1/operations/${first.body.id}`);
      const other = await submit(h, { updates: [{ target: l7Target(6), changes: { name: 'idem-2' } }] }, { 'idempotency-key': key });
      expect(other.status).toBe(422);
      expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
      await finished(h, first.body.id);
    });

    it('20 concurrent requests with one key make exactly one operation', async () => {
      const body = { updates: [{ target: l7Target(7), changes: { name: 'idem-race' } }] };
      const key = `idem-${Date.now()}-race`;
      const answers = await Promise.all(Array.from({ length: 20 }, () => submit(h, body, { 'idempotency-key': key })));
      for (const a of answers) expect(a.status).toBe(202);
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      expect(answers.filter((a) => a.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
      await finished(h, answers[0].body.id);
    });

    it('a callbackSecret is only in the first answer, not in a replay', async () => {
      const r = await track(receiver());
      const body = { updates: [{ target: l7Target(8), changes: { name: 'idem-cb' } }], callbackUrl: r.url };
      const key = `idem-${Date.now()}-cb`;
      const first = await submit(h, body, { 'idempotency-key': key });
      expect(first.body.callbackSecret).toMatch(/^whsec_/);
      const second = await submit(h, body, { 'idempotency-key': key });
      expect(second.body.id).toBe(first.body.id);
      expect(second.body.callbackSecret).toBeUndefined();
      await finished(h, first.body.id);
    });
  });

  describe('GET /v1/operations', () => {
    it('lists newest first, filters by status, pages by cursor without duplicates or gaps', async () => {
      await sandboxControl(h, 'POST', '/__sandbox/faults', { method: 'PATCH', path: SEED.l7(10), taskError: 'boom', count: -1 });
      const failed = await submit(h, { updates: [{ target: l7Target(10), changes: { name: 'will-fail' } }] });
      // many at once: some share a millisecond (same score in the index)
      const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => submit(h, { updates: [{ target: l7Target(11 + (i % 4)), changes: { name: `list-${i}` } }] })));
      const created = [failed.body.id, ...burst.map((b) => b.body.id)];
      await Promise.all(created.map((id) => finished(h, id)));

      const all = await h.http.get('/v1/operations?limit=200').set(auth(READ_KEY));
      expect(all.status).toBe(200);
      const ids: string[] = all.body.items.map((o: any) => o.id);
      for (const id of created) expect(ids).toContain(id);
      for (let i = 1; i < all.body.items.length; i++) {
        expect(Date.parse(all.body.items[i].createdAt)).toBeLessThanOrEqual(Date.parse(all.body.items[i - 1].createdAt));
      }

      for (const limit of [1, 2, 3, 5]) {
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const res: any = await h.http.get(`/v1/operations?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`).set(auth());
          expect(res.status).toBe(200);
          expect(res.body.items.length).toBeLessThanOrEqual(limit);
          seen.push(...res.body.items.map((o: any) => o.id));
          cursor = res.body.nextCursor;
          expect(++pages).toBeLessThan(500);
        } while (cursor);
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen).toEqual(ids);
      }

      const onlyFailed = await h.http.get('/v1/operations?status=FAILED').set(auth());
      expect(onlyFailed.body.items.length).toBeGreaterThanOrEqual(1);
      expect(onlyFailed.body.items.every((o: any) => o.status === 'FAILED')).toBe(true);
      expect(onlyFailed.body.items.map((o: any) => o.id)).toContain(failed.body.id);
      const succeeded = await h.http.get('/v1/operations?status=SUCCEEDED&limit=4').set(auth());
      expect(succeeded.body.items).toHaveLength(4);
      expect(succeeded.body.items.every((o: any) => o.status === 'SUCCEEDED')).toBe(true);
      expect(succeeded.body.nextCursor).toEqual(expect.any(String));
    });

    it('pages through operations created in the same millisecond without a gap', async () => {
      // stored directly (no jobs, targets nobody else uses) to force equal index scores
      const store = h.gateway.get(OperationStore);
      const now = Date.now();
      const seeded: string[] = [];
      for (let i = 0; i < 5; i++) {
        const id = newSortableId('op_', now);
        const target = { ...l7Target(1), id: `00000000-0000-4000-8000-00000000000${i}` };
        await store.create({ id, createdAt: new Date(now).toISOString(), reference: 'same-ms', dryRun: false, count: 1, apiKeyName: 'admin' }, [{ target, changes: { name: 'same-ms' } } as never]);
        await store.confirmEnqueued(id);
        seeded.push(id);
      }
      for (const [status, limit] of [[undefined, 1], [undefined, 2], ['PENDING', 1], ['PENDING', 3]] as const) {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const qs: string = `limit=${limit}${status ? `&status=${status}` : ''}${cursor ? `&cursor=${cursor}` : ''}`;
          const res: any = await h.http.get(`/v1/operations?${qs}`).set(auth());
          expect(res.status).toBe(200);
          seen.push(...res.body.items.map((o: any) => o.id));
          cursor = res.body.nextCursor;
        } while (cursor);
        expect(new Set(seen).size).toBe(seen.length);
        for (const id of seeded) expect({ status, limit, found: seen.includes(id) }).toEqual({ status, limit, found: true });
      }
    });

    it('refuses limit 0, limit 201, an unknown status and a foreign cursor (400)', async () => {
      for (const q of ['limit=0', 'limit=201', 'limit=abc', 'status=DONE', 'cursor=%24%24%24']) {
        const res = await h.http.get(`/v1/operations?${q}`).set(auth());
        expect({ q, status: res.status }).toEqual({ q, status: 400 });
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
      expect((await h.http.get('/v1/operations?limit=200').set(auth())).status).toBe(200);
    });
  });
});

describe('SSRF: webhook targets on private networks are refused when WEBHOOK_ALLOW_PRIVATE_NETWORKS=false', () => {
  let s: Harness;

  beforeAll(async () => {
    s = await startHarness({ env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' } });
  });
  afterAll(async () => {
    await s.close();
  });

  it.each([
    'http://127.0.0.1/hook',
    'http://localhost/hook',
    'http://10.0.0.5/hook',
    'http://172.16.3.4/hook',
    'http://192.168.1.1/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://100.64.0.1/hook',
    'http://[::1]/hook',
    'http://[fd00::1]/hook',
    'http://[fe80::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[::127.0.0.1]/hook',
    'http://0.0.0.0/hook',
    'http://2130706433/hook',
    'http://0x7f.1/hook',
    'ftp://example.com/hook',
    'http://user:pass@example.com/hook',
  ])('subscribing to %s → 400 naming url', async (url) => {
    const res = await s.http.post('/v1/webhook-subscriptions').set(auth()).send({ url, events: ['*'] });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('url');
  });

  it('accepts a public address', async () => {
    const res = await s.http.post('/v1/webhook-subscriptions').set(auth()).send({ url: 'https://93.184.215.14/hook', events: ['*'] });
    expect(res.status).toBe(201);
    await s.http.delete(`/v1/webhook-subscriptions/${res.body.id}`).set(auth());
  });

  it('refuses a private callbackUrl (400 naming callbackUrl)', async () => {
    const res = await s.http.post('/v1/routing-policy-updates').set(auth()).send({ updates: [{ target: l7Target(1), changes: { name: 'cb-private' } }], callbackUrl: 'http://10.1.2.3/cb' });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('callbackUrl');
  });

  it('checks again at delivery: a stored subscription pointing at loopback is never contacted', async () => {
    const r = await receiver();
    try {
      // as if DNS changed after subscribing: the store has the URL, the delivery-time check must refuse it
      const { subscription } = await s.gateway.get(WebhookSubscriptionStore).create({ url: r.url, events: ['*'] });
      const eventId = await sendTest(s, subscription.id);
      const d = await endedDelivery(s, subscription.id, eventId);
      expect(d.status).toBe('FAILED');
      expect(d.attempts[0]).toMatchObject({ statusCode: null, error: expect.stringMatching(/refused/) });
      expect(r.hits).toHaveLength(0);
    } finally {
      await r.close();
    }
  });
});

describe('inbound gcore.task.updated shortens a slow polling schedule', () => {
  let p: Harness;

  beforeAll(async () => {
    // the task sweep off: it would find the end first (test/e2e/gcore-task-sweep covers it); this is about the hint alone
    p = await startHarness({ env: { GCORE_TASK_POLL_INITIAL_MS: '5000', GCORE_TASK_POLL_MAX_MS: '5000', GCORE_TASK_SWEEP_MS: '0' } });
  });
  afterAll(async () => {
    await p.close();
  });

  it('with the hint the operation completes within about a second; without it, only at the next poll (≥ 5 s)', async () => {
    const started = Date.now();
    const [withHint, withoutHint] = await Promise.all([
      submit(p, { updates: [{ target: l7Target(1), changes: { name: 'hinted' } }] }),
      submit(p, { updates: [{ target: l7Target(2), changes: { name: 'not-hinted' } }] }),
    ]);
    expect(withHint.status).toBe(202);
    const taskId = await waitFor(async () => {
      const op = await p.http.get(`/v1/operations/${withHint.body.id}`).set(auth());
      return op.body.results[0].gcore?.taskIds?.[0] as string | undefined;
    });
    // let the sandbox task (300 ms) finish, then tell the gateway
    await sleep(500);
    const body = JSON.stringify({ type: 'gcore.task.updated', timestamp: new Date().toISOString(), data: { taskId } });
    const hintSentAt = Date.now();
    const res = await p.http.post('/v1/inbound-webhooks/ci').set(signInbound(body)).send(body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: true, polled: true });
    const op = await finished(p, withHint.body.id, 4000);
    expect(op.status).toBe('SUCCEEDED');
    expect(Date.parse(op.completedAt) - hintSentAt).toBeLessThan(1500);
    expect(Date.parse(op.completedAt) - Date.parse(op.createdAt)).toBeLessThan(3500);
    expect(Date.now() - started).toBeLessThan(4500);
    // the other one is still waiting for its first poll
    const other = await p.http.get(`/v1/operations/${withoutHint.body.id}`).set(auth());
    expect(TERMINAL.has(other.body.status)).toBe(false);
    const slow = await finished(p, withoutHint.body.id, 15_000);
    expect(slow.status).toBe('SUCCEEDED');
    expect(Date.parse(slow.completedAt) - Date.parse(slow.createdAt)).toBeGreaterThanOrEqual(4500);
  }, 30_000);
});

