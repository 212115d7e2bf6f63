import { GcoreClient } from '@rpg/gcore';
import { CircuitBreaker, ProviderHttpClient } from '@rpg/provider-http';
import { type ProviderSandbox, SEED, createProviderSandbox } from '../../../apps/provider-sandbox/src/sandbox';
import { GcoreOpenTaskLister } from './gcore-open-task.lister';

/** The listing against the real sandbox over HTTP: paging, overlap, and a provider that ignores `offset`. */
describe('GcoreOpenTaskLister', () => {
  let sandbox: ProviderSandbox;
  let client: GcoreClient;
  let http: ProviderHttpClient;
  const scope = { projectId: SEED.projectId, regionId: SEED.regionId };
  const taskIds: string[] = [];

  beforeAll(async () => {
    sandbox = await createProviderSandbox({ taskDurationMs: 120_000 });
    http = new ProviderHttpClient({
      provider: 'Gcore',
      baseUrl: sandbox.url,
      maxAttempts: 1,
      requestTimeoutMs: 5000,
      breaker: new CircuitBreaker('gcore', { failureThreshold: 100, openMs: 1000 }),
    });
    client = new GcoreClient(http, { apiKey: 'sandbox-gcore-key', lockWaitMs: 0 });
    // eight running tasks: one rename of each of eight policies (each write answers its task id)
    for (let n = 1; n <= 8; n++) taskIds.push(...(await client.patchL7Policy({ ...scope, id: SEED.l7(n) }, { action: 'REJECT', name: `listed-${n}` })));
  });
  afterAll(async () => {
    await http.close();
    await sandbox.close();
  });
  afterEach(async () => {
    await fetch(`${sandbox.url}/__sandbox/faults`, { method: 'DELETE' });
  });

  it('one page: every open task of the scope, complete, not paged', async () => {
    const listing = await new GcoreOpenTaskLister(client).list(scope);
    expect(listing).toMatchObject({ complete: true, paged: false });
    expect([...listing.tasks.keys()].sort()).toEqual([...taskIds].sort());
    for (const state of listing.tasks.values()) expect(['NEW', 'RUNNING']).toContain(state);
  });

  it('pages of three with overlap: still every task, marked paged', async () => {
    const listing = await new GcoreOpenTaskLister(client, { pageLimit: 3, pageConcurrency: 2 }).list(scope);
    expect(listing).toMatchObject({ complete: true, paged: true });
    expect(listing.tasks.size).toBe(8);
  });

  it('more pages than allowed: incomplete', async () => {
    const listing = await new GcoreOpenTaskLister(client, { pageLimit: 2, maxPages: 2 }).list(scope);
    expect(listing.complete).toBe(false);
  });

  it('another scope lists nothing and is complete', async () => {
    const listing = await new GcoreOpenTaskLister(client).list({ projectId: scope.projectId, regionId: scope.regionId + 1000 });
    expect(listing).toMatchObject({ complete: true, paged: false });
    expect(listing.tasks.size).toBe(0);
  });

  it('a provider answering the first page for every offset: incomplete (nothing may be judged ended from it)', async () => {
    const firstPage = await client.listTasks({ ...scope, states: ['NEW', 'RUNNING'], limit: 3, offset: 0 });
    await fetch(`${sandbox.url}/__sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'GET', path: '/cloud/v1/tasks?', status: 200, body: firstPage, count: -1 }),
    });
    const listing = await new GcoreOpenTaskLister(client, { pageLimit: 3 }).list(scope);
    expect(firstPage.count).toBe(8);
    expect(listing).toMatchObject({ complete: false, paged: true });
  });

  const answerListingWith = (body: unknown, count: number) =>
    fetch(`${sandbox.url}/__sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'GET', path: '/cloud/v1/tasks?', status: 200, body, count }),
    });

  it('a bare array (no count): read on until an empty page, then complete', async () => {
    const { results } = await client.listTasks({ ...scope, states: ['NEW', 'RUNNING'], limit: 1000, offset: 0 });
    await answerListingWith(results, 1); // the next page (offset 8) comes from the sandbox itself: none left
    const listing = await new GcoreOpenTaskLister(client).list(scope);
    expect(listing).toMatchObject({ complete: true, paged: false });
    expect(listing.tasks.size).toBe(8);
  });

  it('no count, and the same tasks for every offset: incomplete, and no further pages asked', async () => {
    const { results } = await client.listTasks({ ...scope, states: ['NEW', 'RUNNING'], limit: 3, offset: 0 });
    await answerListingWith(results, -1);
    const listing = await new GcoreOpenTaskLister(client, { pageLimit: 3 }).list(scope);
    expect(listing.complete).toBe(false);
    const faults = (await (await fetch(`${sandbox.url}/__sandbox/faults`)).json()) as { faults: { hits: number }[] };
    expect(faults.faults[0].hits).toBe(2);
  });

  it('a page of ended tasks although only open ones were asked for: marked unfiltered', async () => {
    const { results } = await client.listTasks({ ...scope, states: ['NEW', 'RUNNING'], limit: 1000, offset: 0 });
    await answerListingWith({ count: 8, results: results.map((t, i) => (i === 0 ? { ...t, state: 'FINISHED' } : t)) }, 1);
    const listing = await new GcoreOpenTaskLister(client).list(scope);
    expect(listing).toMatchObject({ complete: true, unfiltered: true });
    expect(listing.tasks.get(results[0].id)).toBe('FINISHED');
  });

  it('an answer that is neither a page nor a list is an error, not an empty listing', async () => {
    await answerListingWith({ tasks: [] }, 1);
    await expect(new GcoreOpenTaskLister(client).list(scope)).rejects.toThrow(/neither a page/);
  });
});
