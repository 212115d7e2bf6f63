import { CircuitBreaker, ProviderHttpClient } from '@rpg/provider-http';
import { ProviderError } from '@rpg/routing-policy';
import { type ProviderSandbox, SEED, createProviderSandbox } from '../../../apps/provider-sandbox/src/sandbox';
import { waitFor } from '../../../test/support/wait';
import { GcoreClient } from './gcore.client';

/** What the client accepts as a write's answer, against the strict sandbox over HTTP (faults stand in for odd answers). */
describe('GcoreClient write answers', () => {
  let sandbox: ProviderSandbox;
  let http: ProviderHttpClient;
  let client: GcoreClient;
  const l7 = { projectId: SEED.projectId, regionId: SEED.regionId, id: SEED.l7(6) };
  const lb = { projectId: SEED.projectId, regionId: SEED.regionId, id: SEED.lbWeb };
  const answer = (method: string, path: string, body: unknown) =>
    fetch(`${sandbox.url}/__sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method, path, status: 200, body }),
    });

  beforeAll(async () => {
    sandbox = await createProviderSandbox({ taskDurationMs: 100, strict: true });
    http = new ProviderHttpClient({
      provider: 'Gcore',
      baseUrl: sandbox.url,
      maxAttempts: 1,
      requestTimeoutMs: 5000,
      breaker: new CircuitBreaker('gcore', { failureThreshold: 100, openMs: 1000 }),
    });
    client = new GcoreClient(http, { apiKey: 'sandbox-gcore-key', lockWaitMs: 0 });
  });
  afterAll(async () => {
    await http.close();
    await sandbox.close();
  });
  beforeEach(async () => {
    await fetch(`${sandbox.url}/__sandbox/reset`, { method: 'POST' });
  });

  it('L7 PATCH: the task ids; `tasks: []` (a PATCH changing nothing) is an empty list', async () => {
    expect(await client.patchL7Policy(l7, { action: 'REJECT', name: 'changed' })).toEqual([expect.any(String)]);
    await waitFor(async () => (await client.getL7Policy(l7)).task_id === null, 10_000, 20, 'the first PATCH task to end');
    expect(await client.patchL7Policy(l7, { action: 'REJECT', name: 'changed' })).toEqual([]);
  });

  it.each<[string, unknown]>([
    ['an empty object', {}],
    ['the policy instead of a task list', { id: SEED.l7(6), action: 'REJECT' }],
    ['tasks: null', { tasks: null }],
    ['a number among the tasks', { tasks: ['a1', 7] }],
    ['an empty task id', { tasks: [''] }],
    ['a text body', 'OK'],
  ])('L7 PATCH answered 200 with %s: PROVIDER_ERROR with the status and body', async (_name, body) => {
    await answer('PATCH', SEED.l7(6), body);
    const error = (await client.patchL7Policy(l7, { action: 'REJECT' }).catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.toResultError()).toEqual({
      code: 'PROVIDER_ERROR',
      message: expect.stringContaining('no task list'),
      providerStatus: 200,
      providerBody: body,
    });
  });

  it('LB PATCH: the load balancer (v1), its lock task when set, or a v2-style task list', async () => {
    const sync = await client.patchLoadBalancer(lb, { name: 'lb-renamed' });
    expect(sync).toEqual({ loadBalancer: expect.objectContaining({ id: SEED.lbWeb, name: 'lb-renamed' }), taskIds: [] });
    await answer('PATCH', SEED.lbWeb, { tasks: ['t-1'] });
    expect(await client.patchLoadBalancer(lb, { name: 'x' })).toEqual({ taskIds: ['t-1'] });
    await answer('PATCH', SEED.lbWeb, { id: SEED.lbWeb, task_id: 't-2' });
    expect((await client.patchLoadBalancer(lb, { name: 'x' })).taskIds).toEqual(['t-2']);
  });

  it.each<[string, unknown]>([
    ['an empty object', {}],
    ['a list', [{ id: SEED.lbWeb }]],
    ['tasks holding a number', { tasks: [1] }],
    ['a task_id that is not a task id', { id: SEED.lbWeb, task_id: 5 }],
    ['a text body', 'OK'],
  ])('LB PATCH answered 200 with %s: PROVIDER_ERROR', async (_name, body) => {
    await answer('PATCH', SEED.lbWeb, body);
    const error = (await client.patchLoadBalancer(lb, { name: 'x' }).catch((e: unknown) => e)) as ProviderError;
    expect(error.toResultError()).toEqual({
      code: 'PROVIDER_ERROR',
      message: expect.stringContaining('neither a load balancer nor a task list'),
      providerStatus: 200,
      providerBody: body,
    });
  });
});
