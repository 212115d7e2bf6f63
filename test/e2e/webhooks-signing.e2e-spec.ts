/** Outbound webhook envelope and signatures (verified by standardwebhooks and svix), rotate-secret, the callbackSecret of an operation. */
import { Webhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { Harness, auth, finished, l7Target, postUpdates, sandboxControl, startHarness, waitFor } from '../support/harness';
import { endedDelivery, expectEnvelope, expectVerifies, scriptedReceiver, sendTest, signatureHeaders, webhookFixtures } from '../support/webhooks';

jest.setTimeout(60_000);

describe('outbound webhook signing: envelope, Standard Webhooks signatures, secret rotation, callback secrets', () => {
  let h: Harness;
  const { track, sub, cleanUp } = webhookFixtures(() => h);

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => sandboxControl(h, 'POST', '/__sandbox/reset'));
  // subscriptions are global to the harness: drop them so later tests' events do not reach old receivers
  afterEach(cleanUp);

  it('POST /test delivers webhook.test: {id,type,timestamp,data}, webhook-id = body.id, verified by standardwebhooks and svix', async () => {
    const r = await track(scriptedReceiver());
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

  it('after rotate-secret the next delivery verifies with both the old and the new secret', async () => {
    const r = await track(scriptedReceiver());
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
    const r = await track(scriptedReceiver());
    const res = await postUpdates(h, { updates: [{ target: l7Target(9), changes: { name: 'with-callback' } }], callbackUrl: r.url, reference: 'cb-1' });
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
});
