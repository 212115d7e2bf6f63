/** Outbound webhook deliveries: the retry schedule, Retry-After, 410, timeouts, connection errors, redirects, replay and per-operation order. */
import { AddressInfo, createServer } from 'node:net';
import { Harness, READ_KEY, auth, finished, l7Target, postUpdates, sandboxControl, startHarness, waitFor } from '../support/harness';
import { ReceiverAnswer } from '../support/receiver';
import { Hit, deliveries, endedDelivery, expectVerifies, scriptedReceiver, sendTest, webhookFixtures } from '../support/webhooks';

jest.setTimeout(60_000);

describe('outbound webhook deliveries: retries, failures, replay, order', () => {
  let h: Harness;
  const { track, sub, cleanUp } = webhookFixtures(() => h);

  beforeAll(async () => {
    h = await startHarness({ env: { WEBHOOK_RETRY_DELAYS_MS: '200,200,200' } });
  });
  afterAll(() => h.close());
  beforeEach(() => sandboxControl(h, 'POST', '/__sandbox/reset'));
  // subscriptions are global to the harness: drop them so later tests' events do not reach old receivers
  afterEach(cleanUp);

  it('retries 500, 500 then 200 with the same webhook-id (fresh timestamp and signature each time) and records 3 attempts', async () => {
    const r = await track(scriptedReceiver((hit) => ({ status: hit.attempt <= 2 ? 500 : 200 })));
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
    const r = await track(scriptedReceiver((hit): ReceiverAnswer => (hit.attempt === 1 ? { status: 503, headers: { 'retry-after': '2' } } : { status: 200 })));
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
    const r = await track(scriptedReceiver((hit) => (hit.attempt === 1 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 })));
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
    const r = await track(scriptedReceiver(() => ({ status: 410 })));
    const s = await sub(r.url);
    const eventId = await sendTest(h, s.id);
    const d = await endedDelivery(h, s.id, eventId);
    expect(d.status).toBe('FAILED');
    expect(d.attempts).toHaveLength(1);
    expect(d.attempts[0]).toMatchObject({ statusCode: 410, error: expect.stringContaining('410') });
    const got = await h.http.get(`/v1/webhook-subscriptions/${s.id}`).set(auth());
    expect(got.body).toMatchObject({ status: 'DISABLED', disabledReason: expect.stringContaining('410') });

    // neither a test event, nor operation events, nor a replay reach it; a healthy subscription beside it is the marker
    // that the operation's events were fanned out and sent (the same step would have sent them to the gone one)
    const witness = await track(scriptedReceiver());
    await sub(witness.url);
    await sendTest(h, s.id);
    const op = await postUpdates(h, { updates: [{ target: l7Target(1), changes: { name: 'after-gone' } }] });
    await finished(h, op.body.id);
    const replay = await h.http.post(`/v1/webhook-subscriptions/${s.id}/deliveries/${d.id}/replay`).set(auth());
    expect(replay.status).toBe(409);
    await waitFor(async () => witness.forOperation(op.body.id).some((x) => x.event.type === 'operation.completed'));
    // and nothing is queued for it (a pending delivery would be sent later)
    expect((await deliveries(h, s.id)).filter((x) => x.status === 'PENDING')).toEqual([]);
    expect(r.hits).toHaveLength(1);
  });

  it('a receiver answering after 20 s times out (10 s) and the delivery is retried', async () => {
    // the answer comes far later than the 10 s timeout, so a timer a busy machine fires late still ends the attempt first
    const r = await track(scriptedReceiver((hit) => (hit.attempt === 1 ? { status: 200, delayMs: 20_000 } : { status: 200 })));
    const s = await sub(r.url);
    const eventId = await sendTest(h, s.id);
    const d = await endedDelivery(h, s.id, eventId, 25_000);
    expect(d.status).toBe('SUCCEEDED');
    expect(d.attempts).toHaveLength(2);
    expect(d.attempts[0].statusCode).toBeNull();
    expect(d.attempts[0].error).toMatch(/10 s|timeout|timed out/i);
    expect(d.attempts[0].durationMs).toBeGreaterThanOrEqual(9_500);
    expect(d.attempts[0].durationMs).toBeLessThan(20_000); // ended by the timeout, not by the (late) answer
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
    const target = await track(scriptedReceiver());
    const r = await track(scriptedReceiver((hit) => (hit.attempt === 1 ? { status: 302, headers: { location: target.url } } : { status: 200 })));
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
    const r = await track(scriptedReceiver(() => ({ status: healthy ? 204 : 500 })));
    const s = await sub(r.url);
    const eventId = await sendTest(h, s.id);
    const failed = await endedDelivery(h, s.id, eventId);
    expect(failed.status).toBe('FAILED');
    expect(failed.nextRetryAt).toBeNull();
    expect(failed.attempts.map((a: any) => a.statusCode)).toEqual([500, 500, 500, 500]); // first + 3 retries (200,200,200)
    // FAILED with no next retry (the delivery's own record): no fifth attempt can come
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
      scriptedReceiver((hit) => {
        const op = opOf(hit);
        if (!firstOf.has(op)) firstOf.set(op, hit.event.id);
        return { status: firstOf.get(op) === hit.event.id && hit.attempt === 1 ? 500 : 200 };
      }),
    );
    const s = await sub(r.url, ['*']);
    // several operations at once, two targets each: both targets end at about the same time, so their events race
    const ops = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const res = await postUpdates(h, {
          updates: [
            { target: l7Target(2 * i + 1), changes: { name: `order-${i}-a` } },
            { target: l7Target(2 * i + 2), changes: { name: `order-${i}-b` } },
          ],
        });
        expect(res.status).toBe(202);
        return res.body.id as string;
      }),
    );
    for (const id of ops) expect((await finished(h, id)).status).toBe('SUCCEEDED');
    for (const id of ops) {
      await waitFor(async () => r.forOperation(id).some((x) => x.event.type === 'operation.completed'));
      // the operation's lane to this subscription drained: every event of it has been sent (a late one would be here)
      await waitFor(async () => (await h.redis.exists(`{${h.prefix}}:dlane:${s.id}:${id}`)) === 0);
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

  it('deliveries and subscriptions need webhooks.manage', async () => {
    const s = await sub('http://127.0.0.1:9/hook');
    expect((await h.http.get(`/v1/webhook-subscriptions/${s.id}/deliveries`).set(auth(READ_KEY))).status).toBe(403);
    expect((await h.http.get(`/v1/webhook-subscriptions/${s.id}/deliveries`)).status).toBe(401);
    expect((await h.http.get('/v1/webhook-subscriptions/whs_nope/deliveries').set(auth())).status).toBe(404);
    expect((await h.http.post('/v1/webhook-subscriptions/whs_nope/test').set(auth())).status).toBe(404);
  });
});
