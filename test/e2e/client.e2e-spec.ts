import {
  FetchLike,
  GatewayError,
  OperationEvent,
  RoutingPolicyClient,
  TERMINAL_OPERATION_STATUSES,
  Update,
  createRoutingPolicyClient,
  hasTarget,
  isGatewayError,
} from '@rpg/client';
import { API_KEY, Harness, READ_KEY, SEED, gatewayBaseUrl, sandboxControl, startHarness, startReceiver, waitFor } from '../support/harness';
import { scaled } from '../support/wait';

/** Every request the client makes and the status and headers of its answer (through the client's `fetch` option). */
interface Exchange {
  method: string;
  url: string;
  headers: Record<string, string>;
  status: number;
  answer: Headers;
}

const L7 = (n: number) => ({ provider: 'gcore', kind: 'l7policy', projectId: SEED.projectId, regionId: SEED.regionId, id: SEED.l7(n) }) as const;
const SPARE = { provider: 'apinizer', kind: 'policy', projectName: 'demo', apiProxyName: 'petstore', policyName: 'spare-1' } as const;

describe('typed client (libs/client, @routing-policy-gateway/client) against the running gateway', () => {
  let h: Harness;
  let baseUrl: string;
  let client: RoutingPolicyClient;
  const exchanges: Exchange[] = [];
  const recording: FetchLike = async (input, init = {}) => {
    const res = await fetch(input, init);
    exchanges.push({
      method: init.method ?? 'GET',
      url: input.replace(baseUrl, ''),
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      status: res.status,
      answer: res.headers,
    });
    return res;
  };

  beforeAll(async () => {
    // the Apinizer updates here merge into a full provider policy: the per-policy pages' full list (strict default: summaries)
    h = await startHarness({ sandbox: { apinizerListMode: 'status' } });
    baseUrl = await gatewayBaseUrl(h);
    client = createRoutingPolicyClient({ baseUrl, apiKey: API_KEY, fetch: recording });
  });
  beforeEach(async () => {
    exchanges.length = 0;
    await sandboxControl(h, 'POST', '/__sandbox/reset');
  });
  afterAll(async () => {
    await h.close();
  });

  it('drift and revert through the client: IN_SYNC, a dry-run plan, a revert that restores the target', async () => {
    const { operation } = await client.submitUpdate({ updates: [{ target: L7(9), changes: { name: 'client-revert' } }] }, { waitSeconds: 20 });
    expect(operation.status).toBe('SUCCEEDED');
    expect((await client.getDrift(operation.id)).items.map((i) => i.state)).toEqual(['IN_SYNC']);
    const plan = await client.revertOperation(operation.id, { dryRun: true });
    expect(plan.status).toBe(200);
    expect(plan.operation.results[0].plan?.[0].body).toMatchObject({ name: 'policy-9' });
    const reverted = await client.revertOperation(operation.id, { reference: 'client-undo' }, { idempotencyKey: 'client-undo-1' });
    expect(reverted).toMatchObject({ status: 202, replayed: false, location: `/v1/operations/${reverted.operation.id}` });
    expect(reverted.operation.revertOf).toBe(operation.id);
    const { operation: done, timedOut } = await client.waitForOperation(reverted.operation.id, { timeoutSeconds: 20 });
    expect({ status: done.status, timedOut }).toEqual({ status: 'SUCCEEDED', timedOut: false });
    expect((await client.revertOperation(operation.id, { reference: 'client-undo' }, { idempotencyKey: 'client-undo-1' })).replayed).toBe(true);
  });

  it('updates, waits, reads, lists and looks up only through the client, with typed results', async () => {
    const submitted = await client.submitUpdate(
      {
        updates: [
          { target: L7(8), changes: { name: 'via-typed-client' } },
          { target: SPARE, changes: { policy: { messageCountForInterval: 42 } } },
        ],
        reference: 'typed-client',
      },
      { waitSeconds: 20 },
    );
    expect(submitted).toMatchObject({ status: 200, replayed: false, preferenceApplied: 'wait=20', location: `/v1/operations/${submitted.operation.id}` });
    expect(submitted.operation.status).toBe('SUCCEEDED');

    const read = await client.getOperation(submitted.operation.id);
    expect(read).toMatchObject({ id: submitted.operation.id, status: 'SUCCEEDED', reference: 'typed-client' });
    const [l7, apinizer] = read.results;
    // each result keeps what was asked, typed by its target's kind
    expect(hasTarget(l7, 'gcore', 'l7policy') && l7.changes.name).toBe('via-typed-client');
    expect(hasTarget(apinizer, 'apinizer', 'policy') && apinizer.changes.policy).toEqual({ messageCountForInterval: 42 });
    expect(hasTarget(apinizer, 'apinizer', 'policy') && apinizer.apinizer?.mergedFrom).toBe('provider');

    const page = await client.listOperations({ status: 'SUCCEEDED', limit: 5 });
    expect(page.items.map((o) => o.id)).toContain(submitted.operation.id);

    const lookup = await client.lookup([L7(8), SPARE, { ...L7(8), kind: 'loadbalancer', id: '00000000-0000-4000-8000-00000000dead' }]);
    expect(lookup.items).toHaveLength(3);
    expect(lookup.items[0]).toMatchObject({ found: true, current: { name: 'via-typed-client' } });
    expect(lookup.items[1]).toMatchObject({ found: true, current: { policy: { messageCountForInterval: 42 } } });
    expect(lookup.items[2]).toMatchObject({ found: false });
  });

  it('answers every error with one GatewayError carrying the problem and the request id', async () => {
    const missing = await client.getOperation('op_00000000000000000000000000').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(GatewayError);
    expect(missing).toMatchObject({ status: 404, problem: { status: 404, type: expect.any(String), title: expect.any(String) } });
    expect((missing as GatewayError).requestId).toBe(exchanges[exchanges.length - 1].answer.get('x-request-id'));

    const invalid = (await client.submitUpdate({ updates: [] }).catch((e: unknown) => e)) as GatewayError;
    expect(isGatewayError(invalid)).toBe(true);
    expect(invalid.status).toBe(400);
    expect(invalid.problem.errors?.map((e) => e.path)).toContain('updates');

    const reader = createRoutingPolicyClient({ baseUrl, apiKey: READ_KEY });
    await expect(reader.listSubscriptions()).rejects.toMatchObject({ status: 403 });
    await expect(createRoutingPolicyClient({ baseUrl, apiKey: 'nope' }).listOperations()).rejects.toMatchObject({ status: 401 });
  });

  it('works destructured: submit (202), then waitForOperation long-polls with Prefer: wait', async () => {
    const { submitUpdate, waitForOperation } = client;
    await sandboxControl(h, 'PATCH', '/__sandbox/config', { taskDurationMs: 1500 });
    const { status, operation } = await submitUpdate({ updates: [{ target: L7(9), changes: { name: 'waited-for' } }] });
    expect(status).toBe(202);
    exchanges.length = 0;

    const result = await waitForOperation(operation.id, { timeoutSeconds: 30 });
    expect(result.timedOut).toBe(false);
    expect(result.operation.status).toBe('SUCCEEDED');
    // long polls, not a polling interval: the 1.5 s task ends within the first (or, at worst, the second) read
    expect(exchanges.length).toBeLessThanOrEqual(2);
    expect(exchanges[0].headers.prefer).toBe('wait=30');
    expect(exchanges.map((e) => e.headers.prefer)).toEqual(exchanges.map(() => expect.stringMatching(/^wait=\d+$/)));
    expect(exchanges[0].answer.get('preference-applied')).toMatch(/^wait=\d+$/);
  });

  it('waitForOperation reports timedOut with the running operation when the deadline passes', async () => {
    // a task far longer than the 1 s deadline: the running operation it reports is the proof that it gave up at the
    // deadline, not at the task's end; the ceiling (wide, for a busy machine) only tells 1 s from a longer wait
    await sandboxControl(h, 'PATCH', '/__sandbox/config', { taskDurationMs: 12_000 });
    const { operation } = await client.submitUpdate({ updates: [{ target: L7(10), changes: { name: 'slow-one' } }] });
    exchanges.length = 0;
    const started = Date.now();
    const result = await client.waitForOperation(operation.id, { timeoutSeconds: 1 });
    expect(result.timedOut).toBe(true);
    expect(['PENDING', 'RUNNING']).toContain(result.operation.status);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(scaled(9_000));
    expect(exchanges[0].headers.prefer).toBe('wait=1');
    // and it does end
    const done = await client.waitForOperation(operation.id, { timeoutSeconds: 30 });
    expect(done).toMatchObject({ timedOut: false, operation: { status: 'SUCCEEDED' } });
  });

  it('plans a dry run: every result has its plan and changes, nothing is written', async () => {
    const plan = await client.planUpdate({ updates: [{ target: L7(11), changes: { name: 'only-planned' } }] });
    expect(plan).toMatchObject({ dryRun: true });
    expect(plan.results[0].plan?.[0]).toMatchObject({ method: 'PATCH', path: expect.stringContaining(SEED.l7(11)) });
    expect(plan.results[0].changes).toEqual({ name: 'only-planned' });
    const now = await client.lookup([L7(11)]);
    expect(now.items[0].current?.name).not.toBe('only-planned');
  });

  it('follows an operation with events() until its terminal state, with the API key or with stream tokens', async () => {
    await sandboxControl(h, 'PATCH', '/__sandbox/config', { taskDurationMs: 800 });
    const updates: Update[] = [{ target: L7(12), changes: { name: 'streamed' } }];
    const { operation } = await client.submitUpdate({ updates });

    const viaKey: OperationEvent[] = [];
    for await (const event of client.events(operation.id)) viaKey.push(event);
    expect(viaKey.length).toBeGreaterThanOrEqual(1);
    expect(viaKey.every((e) => e.event === 'operation.updated' && e.data.id === operation.id)).toBe(true);
    const last = viaKey[viaKey.length - 1];
    expect(last.data.status).toBe('SUCCEEDED');
    expect(viaKey.filter((e) => (TERMINAL_OPERATION_STATUSES as readonly string[]).includes(e.data.status))).toHaveLength(1);
    expect(exchanges.filter((e) => e.url.includes('/events')).map((e) => e.headers.authorization)).toEqual([`Bearer ${API_KEY}`]);

    // stream tokens: minted for the operation, sent as ?access_token= without the Authorization header
    exchanges.length = 0;
    const viaToken: string[] = [];
    for await (const event of client.events(operation.id, { useStreamToken: true })) viaToken.push(event.data.status);
    expect(viaToken).toEqual(['SUCCEEDED']);
    const [mint, stream] = exchanges;
    expect(mint).toMatchObject({ method: 'POST', url: '/v1/stream-tokens', status: 201 });
    expect(stream.url).toMatch(new RegExp(`^/v1/operations/${operation.id}/events\\?access_token=.+`));
    expect(stream.headers.authorization).toBeUndefined();
    expect(stream.status).toBe(200);

    // resuming after the terminal event: 204, nothing more
    exchanges.length = 0;
    const resumed: OperationEvent[] = [];
    for await (const event of client.events(operation.id, { lastEventId: last.id })) resumed.push(event);
    expect(resumed).toEqual([]);
    expect(exchanges.map((e) => [e.headers['last-event-id'], e.status])).toEqual([[last.id, 204]]);

    // a page without an API key, given a token by its backend
    const { token } = await client.createStreamToken({ operationId: operation.id });
    const keyless = createRoutingPolicyClient({ baseUrl });
    const fromPage: string[] = [];
    for await (const event of keyless.events(operation.id, { streamToken: token })) fromPage.push(event.data.status);
    expect(fromPage).toEqual(['SUCCEEDED']);
  });

  it('follows the list stream with operationEvents()', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const event of client.operationEvents({ status: 'SUCCEEDED', signal: controller.signal, useStreamToken: true })) {
        seen.push(event.data.id);
      }
    })().catch((e: unknown) => e);
    try {
      await waitFor(async () => exchanges.some((e) => e.url.startsWith('/v1/operations/events') && e.status === 200) || undefined, 5000, 20);
      const { operation } = await client.submitUpdate({ updates: [{ target: L7(7), changes: { name: 'listed' } }] }, { waitSeconds: 20 });
      expect(operation.status).toBe('SUCCEEDED');
      await waitFor(async () => seen.includes(operation.id) || undefined, 10_000, 20);
    } finally {
      controller.abort();
    }
    expect(await following).toMatchObject({ name: 'AbortError' });
    const stream = exchanges.find((e) => e.url.startsWith('/v1/operations/events'));
    expect(stream?.url).toMatch(/^\/v1\/operations\/events\?status=SUCCEEDED&access_token=/);
    expect(stream?.headers.authorization).toBeUndefined();
  });

  it('manages webhook subscriptions: create, list, get, test, deliveries, replay, rotate, delete', async () => {
    const receiver = await startReceiver();
    try {
      const created = await client.createSubscription({ url: receiver.url, events: ['operation.completed'], description: 'typed client' });
      expect(created).toMatchObject({ url: receiver.url, events: ['operation.completed'], description: 'typed client' });
      expect(created.secret).toMatch(/^whsec_/);
      expect((await client.listSubscriptions()).map((s) => s.id)).toContain(created.id);
      expect(await client.getSubscription(created.id)).toMatchObject({ id: created.id, url: receiver.url });
      expect(await client.getSubscription(created.id)).not.toHaveProperty('secret');

      const { eventId } = await client.testSubscription(created.id);
      expect(eventId).toEqual(expect.any(String));
      await waitFor(async () => receiver.received.find((r) => r.json?.type === 'webhook.test'), 10_000, 20);
      const deliveries = await waitFor(async () => {
        const list = await client.listDeliveries(created.id);
        return list.some((d) => d.status === 'SUCCEEDED') ? list : undefined;
      }, 10_000);
      const delivery = deliveries.find((d) => d.eventId === eventId)!;
      expect(delivery).toMatchObject({ eventType: 'webhook.test', status: 'SUCCEEDED' });

      const replayed = await client.replayDelivery(created.id, delivery.id);
      expect(replayed).toMatchObject({ id: delivery.id, eventId });
      await waitFor(async () => (receiver.received.filter((r) => r.json?.id === eventId).length >= 2 ? true : undefined), 10_000, 20);

      const rotated = await client.rotateSubscriptionSecret(created.id);
      expect(rotated.secret).toMatch(/^whsec_/);
      expect(rotated.secret).not.toBe(created.secret);

      expect(await client.deleteSubscription(created.id)).toBeUndefined();
      await expect(client.getSubscription(created.id)).rejects.toMatchObject({ status: 404 });
    } finally {
      await receiver.close();
    }
  });
});
