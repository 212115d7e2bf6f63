/** SSRF: webhook subscriptions and callbackUrls on private networks are refused, at subscription and at delivery. */
import { WebhookSubscriptionStore } from '@rpg/webhooks';
import { Harness, auth, l7Target, startHarness } from '../support/harness';
import { endedDelivery, scriptedReceiver, sendTest } from '../support/webhooks';

jest.setTimeout(60_000);

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
    const res = await s.http
      .post('/v1/webhook-subscriptions')
      .set(auth())
      .send({ url, events: ['*'] });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('url');
  });

  it('accepts a public address', async () => {
    const res = await s.http
      .post('/v1/webhook-subscriptions')
      .set(auth())
      .send({ url: 'https://93.184.215.14/hook', events: ['*'] });
    expect(res.status).toBe(201);
    await s.http.delete(`/v1/webhook-subscriptions/${res.body.id}`).set(auth());
  });

  it('refuses a private callbackUrl (400 naming callbackUrl)', async () => {
    const res = await s.http
      .post('/v1/routing-policy-updates')
      .set(auth())
      .send({ updates: [{ target: l7Target(1), changes: { name: 'cb-private' } }], callbackUrl: 'http://10.1.2.3/cb' });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('callbackUrl');
  });

  it('checks again at delivery: a stored subscription pointing at loopback is never contacted', async () => {
    const r = await scriptedReceiver();
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
