import { Webhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import {
  API_KEY,
  Harness,
  SEED,
  apinizerTarget,
  auth,
  l7Target,
  lbTarget,
  sandboxControl,
  startHarness,
  startReceiver,
  waitFor,
  waitForOperation,
} from '../support/harness';

describe('foundation: one update travels gateway → BullMQ → adapters → task polling → signed webhook', () => {
  let h: Harness;

  beforeAll(async () => {
    // the Apinizer updates here merge into a full provider policy: the per-policy pages' full list (strict default: summaries)
    h = await startHarness({ sandbox: { apinizerListMode: 'status' } });
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await sandboxControl(h, 'POST', '/__sandbox/reset');
  });

  it('updates every kind (4 L7 actions, a load balancer, an Apinizer policy) and reaches SUCCEEDED', async () => {
    const updates = [
      { target: l7Target(1), changes: { action: 'REDIRECT_TO_URL', redirectUrl: 'https://example.com/moved', redirectHttpCode: 301 } },
      { target: l7Target(2), changes: { action: 'REDIRECT_PREFIX', redirectPrefix: 'https://example.com/v3' } },
      { target: l7Target(3), changes: { action: 'REDIRECT_TO_POOL', redirectPoolId: SEED.pool2 } },
      { target: l7Target(4), changes: { action: 'REJECT', name: 'reject-all-bots' } },
      {
        target: lbTarget(),
        changes: { name: 'lb-web-2', preferredConnectivity: 'L3', logging: { enabled: true, topicName: 'lb-logs' }, tags: { team: 'edge', env: null } },
      },
      { target: apinizerTarget('rate-limit'), changes: { policy: { messageCountForInterval: 250 } } },
    ];
    const res = await h.http.post('/v1/routing-policy-updates').set(auth()).send({ updates, reference: 'change-42' });
    expect(res.status).toBe(202);
    expect(res.headers.location).toBe(`/v1/operations/${res.body.id}`);
    expect(res.body.status).toBe('PENDING');
    // stored before the answer: Redis has it the moment the 202 arrives
    expect(await h.redis.exists(`{${h.prefix}}:op:${res.body.id}`)).toBe(1);

    const op = await waitForOperation(h, res.body.id);
    expect(op.status).toBe('SUCCEEDED');
    expect(op.reference).toBe('change-42');
    // JSON log lines carry the request id (gateway) and the operation id (gateway and worker)
    const lines = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.operationId === op.id);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'operation accepted', requestId: res.headers['x-request-id'] }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'operation ended', status: 'SUCCEEDED' }));
    expect(op.completedAt).toEqual(expect.any(String));
    for (const r of op.results.slice(0, 4)) {
      expect(r.status).toBe('SUCCEEDED');
      expect(r.gcore.taskIds).toHaveLength(1);
      expect(r.gcore.tasks).toEqual([{ id: r.gcore.taskIds[0], state: 'FINISHED', error: null }]);
    }
    expect(op.results[4]).toMatchObject({ status: 'SUCCEEDED', gcore: { taskIds: [], tasks: [] } });
    expect(op.results[5]).toMatchObject({ status: 'SUCCEEDED', apinizer: { status: 'SUCCESS' } });

    const p1 = await sandboxControl(h, 'GET', `/__sandbox/state/l7policies/${SEED.l7(1)}`);
    expect(p1).toMatchObject({ action: 'REDIRECT_TO_URL', redirect_url: 'https://example.com/moved', redirect_http_code: 301 });
    const p3 = await sandboxControl(h, 'GET', `/__sandbox/state/l7policies/${SEED.l7(3)}`);
    expect(p3).toMatchObject({ action: 'REDIRECT_TO_POOL', redirect_pool_id: SEED.pool2 });
    const p4 = await sandboxControl(h, 'GET', `/__sandbox/state/l7policies/${SEED.l7(4)}`);
    expect(p4).toMatchObject({ action: 'REJECT', name: 'reject-all-bots' });
    const lb = await sandboxControl(h, 'GET', `/__sandbox/state/loadbalancers/${SEED.lbWeb}`);
    expect(lb).toMatchObject({ name: 'lb-web-2', preferred_connectivity: 'L3', logging: expect.objectContaining({ enabled: true, topic_name: 'lb-logs' }) });
    const tags = Object.fromEntries(lb.tags_v2.map((t: { key: string; value: string }) => [t.key, t.value]));
    expect(tags).toEqual({ 'managed-by': 'gcore', team: 'edge' });
    const proxy = await sandboxControl(h, 'GET', '/__sandbox/state/apinizer/demo/petstore');
    const rateLimit = proxy.requestPolicyList.find((p: { name: string }) => p.name === 'rate-limit');
    expect(rateLimit).toMatchObject({ messageCountForInterval: 250, throttlingInterval: 'ONE_MINUTE', type: 'policy-api-based-throttling' });
  });

  it('reports PARTIALLY_SUCCEEDED with the provider status and message of the failed target', async () => {
    await sandboxControl(h, 'POST', '/__sandbox/faults', {
      method: 'PATCH',
      path: `/loadbalancers/${SEED.projectId}/${SEED.regionId}/${SEED.lbApi}`,
      status: 403,
      body: { exception_class: 'ForbiddenError', message: 'Flavor is out of stock in this region', request_id: 'req-1' },
      count: -1,
    });
    const res = await h.http
      .post('/v1/routing-policy-updates')
      .set(auth())
      .send({
        updates: [
          { target: l7Target(5), changes: { name: 'policy-five' } },
          { target: lbTarget(SEED.lbApi), changes: { name: 'lb-api-2' } },
          { target: apinizerTarget('ip-blacklist'), changes: { policy: { ipList: ['198.51.100.9'] } } },
        ],
      });
    expect(res.status).toBe(202);
    const op = await waitForOperation(h, res.body.id);
    expect(op.status).toBe('PARTIALLY_SUCCEEDED');
    expect(op.results.map((r: { status: string }) => r.status)).toEqual(['SUCCEEDED', 'FAILED', 'SUCCEEDED']);
    expect(op.results[1].error).toMatchObject({ code: 'PROVIDER_AUTH', providerStatus: 403, providerBody: { exception_class: 'ForbiddenError' } });
    expect(op.results[1].error.message).toContain('Flavor is out of stock in this region');
  });

  it('marks a target FAILED with the task error text when its Gcore task ends in ERROR', async () => {
    await sandboxControl(h, 'POST', '/__sandbox/faults', { method: 'PATCH', path: SEED.l7(6), taskError: 'Octavia failed to apply the policy' });
    const res = await h.http
      .post('/v1/routing-policy-updates')
      .set(auth())
      .send({ updates: [{ target: l7Target(6), changes: { position: 2 } }] });
    const op = await waitForOperation(h, res.body.id);
    expect(op.status).toBe('FAILED');
    const result = op.results[0];
    expect(result.status).toBe('FAILED');
    expect(result.gcore.tasks[0]).toMatchObject({ state: 'ERROR', error: 'Octavia failed to apply the policy' });
    expect(result.error).toMatchObject({ code: 'TASK_FAILED' });
    expect(result.error.message).toContain('Octavia failed to apply the policy');
  });

  it('manages subscriptions (secret shown once) and delivers a verifiable operation.completed', async () => {
    const receiver = await startReceiver();
    try {
      const created = await h.http
        .post('/v1/webhook-subscriptions')
        .set(auth())
        .send({ url: receiver.url, events: ['operation.completed'], description: 'e2e' });
      expect(created.status).toBe(201);
      expect(created.body.secret).toMatch(/^whsec_/);
      const secret: string = created.body.secret;

      const listed = await h.http.get('/v1/webhook-subscriptions').set(auth());
      expect(listed.status).toBe(200);
      expect(listed.body.find((s: { id: string }) => s.id === created.body.id)).toMatchObject({
        url: receiver.url,
        events: ['operation.completed'],
        status: 'ENABLED',
      });
      expect(JSON.stringify(listed.body)).not.toContain(secret);
      const one = await h.http.get(`/v1/webhook-subscriptions/${created.body.id}`).set(auth());
      expect(one.body.secret).toBeUndefined();

      const res = await h.http
        .post('/v1/routing-policy-updates')
        .set(auth())
        .send({ updates: [{ target: l7Target(7), changes: { name: 'policy-seven' } }] });
      const op = await waitForOperation(h, res.body.id);
      const delivery = await waitFor(async () => receiver.received.find((r) => JSON.parse(r.body).data?.id === op.id));
      const headers = {
        'webhook-id': String(delivery.headers['webhook-id']),
        'webhook-timestamp': String(delivery.headers['webhook-timestamp']),
        'webhook-signature': String(delivery.headers['webhook-signature']),
      };
      const verified = new Webhook(secret).verify(delivery.body, headers) as { type: string; id: string; data: { id: string; status: string } };
      expect(verified.type).toBe('operation.completed');
      expect(verified.id).toBe(headers['webhook-id']);
      expect(verified.data).toMatchObject({ id: op.id, status: 'SUCCEEDED' });
      expect(() => new SvixWebhook(secret).verify(delivery.body, headers)).not.toThrow();
      expect(() => new Webhook(secret).verify(delivery.body.replace('SUCCEEDED', 'FAILED'), headers)).toThrow();

      const deleted = await h.http.delete(`/v1/webhook-subscriptions/${created.body.id}`).set(auth());
      expect(deleted.status).toBe(204);
      expect((await h.http.get(`/v1/webhook-subscriptions/${created.body.id}`).set(auth())).status).toBe(404);
    } finally {
      await receiver.close();
    }
  });

  it('never logs API keys or provider credentials', () => {
    const all = h.logs.join('\n');
    expect(all).not.toContain(API_KEY);
    expect(all).not.toContain('sandbox-gcore-key');
    expect(all).not.toContain('sandbox-apinizer-token');
  });
});
