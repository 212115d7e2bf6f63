/** GET /v1/operations: newest first, status filter, cursor paging without duplicates or gaps, refused queries. */
import { OperationStore, newSortableId } from '@rpg/operations';
import { Harness, READ_KEY, SEED, auth, finished, l7Target, postUpdates, sandboxControl, startHarness } from '../support/harness';

jest.setTimeout(60_000);

describe('GET /v1/operations', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());
  beforeEach(() => sandboxControl(h, 'POST', '/__sandbox/reset'));

  it('lists newest first, filters by status, pages by cursor without duplicates or gaps', async () => {
    await sandboxControl(h, 'POST', '/__sandbox/faults', { method: 'PATCH', path: SEED.l7(10), taskError: 'boom', count: -1 });
    const failed = await postUpdates(h, { updates: [{ target: l7Target(10), changes: { name: 'will-fail' } }] });
    // many at once: some share a millisecond (same score in the index)
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) => postUpdates(h, { updates: [{ target: l7Target(11 + (i % 4)), changes: { name: `list-${i}` } }] })),
    );
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
    // stored directly to force equal index scores: nothing handed to the worker (they stay PENDING), targets nobody else uses
    const store = h.gateway.get(OperationStore);
    const now = Date.now();
    const seeded: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = newSortableId('op_', now);
      const target = { ...l7Target(1), id: `00000000-0000-4000-8000-00000000000${i}` };
      await store.create(
        { id, createdAt: new Date(now).toISOString(), reference: 'same-ms', dryRun: false, count: 1, apiKeyName: 'admin' },
        [{ target, changes: { name: 'same-ms' } } as never],
        undefined,
        [],
      );
      seeded.push(id);
    }
    for (const [status, limit] of [
      [undefined, 1],
      [undefined, 2],
      ['PENDING', 1],
      ['PENDING', 3],
    ] as const) {
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
