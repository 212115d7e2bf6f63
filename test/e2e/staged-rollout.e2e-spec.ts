/**
 * Staged rollout (contract §9): batches in request order, halt / revert / continue on failure, the pause between
 * batches, per-target order with later updates, and the events of cancelled and compensated targets — against the
 * strict sandbox over real HTTP.
 */
import {
  APINIZER_QUOTA_POLICY,
  Harness,
  SEED,
  apinizerTarget,
  auth,
  finished,
  l7Target,
  l7Name,
  lbTarget,
  postUpdates,
  refuseL7Patches,
  sandboxControl,
  startHarness,
  waitFor,
} from '../support/harness';
import { Hit, scriptedReceiver, subscribe } from '../support/webhooks';

jest.setTimeout(120_000);

/** The pause of the tests that act while a rollout waits: long beside anything a busy machine adds. */
const PAUSE_S = 10;

const TEN = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

/** The PATCH requests the sandbox received for L7 policy n, in arrival order. */
async function patchesOf(h: Harness, n: number): Promise<{ at: number; body: any }[]> {
  const { log } = await sandboxControl(h, 'GET', '/__sandbox/requests');
  return (log as { method: string; path: string; at: number; body: any }[]).filter((e) => e.method === 'PATCH' && e.path.includes(SEED.l7(n)));
}

/**
 * The third target (index 2, L7 policy 3) is refused by the provider: a failure in batch 2 of [1, 3, "rest"]. Refused
 * after 500 ms, so the other two targets of batch 2 have usually started by then; on a machine so busy that one has not,
 * it is cancelled (correctly), and the tests derive what they expect from `BATCH_2_OTHERS`' statuses.
 */
const failThirdTarget = (h: Harness) => refuseL7Patches(h, 3, 500);
/** The other targets of batch 2 (indexes), started beside the refused one: SUCCEEDED, or CANCELLED if not yet started. */
const BATCH_2_OTHERS = [1, 3];
const succeededIndexes = (op: any): number[] => op.results.filter((r: any) => r.status === 'SUCCEEDED').map((r: any) => r.index);

const renameAll = (tag: string, rollout: object) => ({
  reference: `rollout-${tag}`,
  updates: TEN.map((n) => ({ target: l7Target(n), changes: { name: `${tag}-${n}` } })),
  rollout,
});

async function getOp(h: Harness, id: string): Promise<any> {
  const res = await h.http.get(`/v1/operations/${id}`).set(auth());
  expect(res.status).toBe(200);
  return res.body;
}

describe('staged rollout', () => {
  let h: Harness;
  let initialNames: Record<number, string>;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await sandboxControl(h, 'POST', '/__sandbox/reset');
    initialNames = Object.fromEntries(await Promise.all(TEN.map(async (n) => [n, await l7Name(h, n)])));
  });

  it('halt: 10 targets in batches [1, 3, "rest"], a failure in batch 2 cancels batch 3 (nothing sent for it); PARTIALLY_SUCCEEDED', async () => {
    await failThirdTarget(h);
    const res = await postUpdates(h, renameAll('halt', { batches: [1, 3, 'rest'], onFailure: 'halt' }));
    expect(res.status).toBe(202);
    expect(res.body.rollout).toMatchObject({ batches: [[0], [1, 2, 3], [4, 5, 6, 7, 8, 9]], current: 0, state: 'RUNNING', onFailure: 'halt', pauseSeconds: 0 });
    const op = await finished(h, res.body.id);
    expect(op.status).toBe('PARTIALLY_SUCCEEDED');
    expect(op.rollout).toMatchObject({ current: 1, state: 'HALTED' });
    expect(op.results[0].status).toBe('SUCCEEDED');
    expect(op.results[2].status).toBe('FAILED');
    for (const i of BATCH_2_OTHERS) expect(['SUCCEEDED', 'CANCELLED']).toContain(op.results[i].status);
    expect(op.results.slice(4).map((r: any) => r.status)).toEqual(Array(6).fill('CANCELLED'));
    expect(op.results[2].error).toMatchObject({ code: 'VALIDATION_FAILED', providerStatus: 400 });
    for (const r of op.results.slice(4)) {
      expect(r.error.code).toBe('CANCELLED_BY_ROLLOUT');
      expect(r.error.message).toContain('index 2');
    }
    for (const n of [5, 6, 7, 8, 9, 10]) {
      expect(await patchesOf(h, n)).toHaveLength(0);
      expect(await l7Name(h, n)).toBe(initialNames[n]);
    }
    expect(await l7Name(h, 1)).toBe('halt-1');
    // a started target of batch 2 finished its write; a cancelled one was never written
    for (const i of BATCH_2_OTHERS) {
      const n = i + 1;
      expect(await l7Name(h, n)).toBe(op.results[i].status === 'SUCCEEDED' ? `halt-${n}` : initialNames[n]);
      if (op.results[i].status === 'CANCELLED') expect(await patchesOf(h, n)).toHaveLength(0);
    }
  });

  it('continue: the failure in batch 2 changes nothing for batch 3, which runs after it; PARTIALLY_SUCCEEDED, COMPLETED', async () => {
    await failThirdTarget(h);
    const res = await postUpdates(h, renameAll('cont', { batches: [1, 3, 'rest'], onFailure: 'continue' }));
    expect(res.status).toBe(202);
    const op = await finished(h, res.body.id);
    expect(op.status).toBe('PARTIALLY_SUCCEEDED');
    expect(op.rollout).toMatchObject({ current: 2, state: 'COMPLETED' });
    expect(op.results.filter((r: any) => r.status === 'SUCCEEDED')).toHaveLength(9);
    expect(op.results[2].status).toBe('FAILED');
    // batches in order: every batch-3 write came after every batch-2 target ended
    const batch2Writes = (await Promise.all([2, 3, 4].map((n) => patchesOf(h, n)))).flat();
    const batch3Writes = (await Promise.all([5, 6, 7, 8, 9, 10].map((n) => patchesOf(h, n)))).flat();
    expect(Math.min(...batch3Writes.map((w) => w.at))).toBeGreaterThan(Math.max(...batch2Writes.map((w) => w.at)));
    const batch1Write = (await patchesOf(h, 1))[0];
    expect(Math.min(...batch2Writes.map((w) => w.at))).toBeGreaterThan(batch1Write.at);
  });

  it('revert: batch 3 cancelled, what batches 1 and 2 changed is restored by a linked revert; ROLLED_BACK, events for every target', async () => {
    const receiver = await scriptedReceiver();
    const sub = await subscribe(h, receiver.url, ['operation.target.completed', 'operation.completed']);
    try {
      await failThirdTarget(h);
      const res = await postUpdates(h, renameAll('rev', { batches: [1, 3, 'rest'], onFailure: 'revert' }));
      expect(res.status).toBe(202);
      const op = await finished(h, res.body.id, 40_000);
      expect(op.status).toBe('ROLLED_BACK');
      expect(op.rollout).toMatchObject({ state: 'ROLLED_BACK', current: 1 });
      expect(op.completedAt).toEqual(expect.any(String));
      const compensationId = op.results[0].compensation.operationId;
      expect(compensationId).toMatch(/^op_/);
      expect(op.revertedBy).toEqual([compensationId]);
      const changed = succeededIndexes(op);
      expect(changed).toEqual(expect.arrayContaining([0]));
      expect(changed.every((i) => i === 0 || BATCH_2_OTHERS.includes(i))).toBe(true);
      for (const i of changed) expect(op.results[i].compensation).toEqual({ status: 'SUCCEEDED', operationId: compensationId });
      expect(op.results[2].compensation).toBeUndefined(); // refused by the provider: nothing was written
      for (const r of op.results.slice(4)) expect(r).toMatchObject({ status: 'CANCELLED', error: { code: 'CANCELLED_BY_ROLLOUT' } });
      const cancelledIndexes = op.results.filter((r: any) => r.status === 'CANCELLED').map((r: any) => r.index);
      for (const i of cancelledIndexes) expect(op.results[i].compensation).toBeUndefined();
      for (const n of TEN) expect(await l7Name(h, n)).toBe(initialNames[n]);

      const restoring = await getOp(h, compensationId);
      expect(restoring).toMatchObject({ revertOf: op.id, status: 'SUCCEEDED', reference: 'rollout-rev' });
      expect(restoring.results.map((r: any) => r.target.id)).toEqual(changed.map((i) => SEED.l7(i + 1)));

      // operation.target.completed for every target (cancelled ones included), a second one per compensated target,
      // and operation.completed last with ROLLED_BACK
      const hits = await waitFor(() => {
        const mine = receiver.forOperation(op.id);
        return mine.some((x: Hit) => x.event.type === 'operation.completed') && mine.length >= 11 + changed.length ? mine : undefined;
      }, 30_000);
      const targetEvents = hits.filter((x: Hit) => x.event.type === 'operation.target.completed');
      const ids = new Set(targetEvents.map((x: Hit) => x.headers['webhook-id']));
      expect(ids.size).toBe(10 + changed.length);
      const cancelled = targetEvents.filter((x: Hit) => x.event.data.result.status === 'CANCELLED');
      expect(new Set(cancelled.map((x: Hit) => x.event.data.result.index))).toEqual(new Set(cancelledIndexes));
      const compensated = targetEvents.filter((x: Hit) => x.event.data.result.compensation?.status === 'SUCCEEDED');
      expect(new Set(compensated.map((x: Hit) => x.event.data.result.index))).toEqual(new Set(changed));
      const completed = hits.filter((x: Hit) => x.event.type === 'operation.completed');
      expect(completed.map((x: Hit) => x.event.data.status)).toEqual(['ROLLED_BACK']);
      expect(hits[hits.length - 1].event.type).toBe('operation.completed');
    } finally {
      await h.http.delete(`/v1/webhook-subscriptions/${sub.id}`).set(auth());
      await receiver.close();
    }
  });

  it('revert across providers: an Apinizer policy and a Gcore load balancer are restored when the L7 policy of the last batch fails', async () => {
    // the strict sandbox lists nameless Apinizer summaries: the gateway knows the full policy from what it applied itself
    const quota = apinizerTarget('quota', 'orders');
    const full = APINIZER_QUOTA_POLICY;
    const seeded = await postUpdates(h, {
      updates: [{ target: quota, changes: { replacePolicy: true, policy: full, targetScope: 'ALL', targetPipeline: 'REQUEST', order: 1 } }],
    });
    expect((await finished(h, seeded.body.id)).status).toBe('SUCCEEDED');
    const lbBefore = (await sandboxControl(h, 'GET', `/__sandbox/state/loadbalancers/${SEED.lbWeb}`)).name;
    await failThirdTarget(h);
    const res = await postUpdates(h, {
      updates: [
        { target: quota, changes: { policy: { messageCountForInterval: 5 } } },
        { target: lbTarget(), changes: { name: 'rollout-lb', tags: { wave: '1' } } },
        { target: l7Target(3), changes: { name: 'never-applied' } },
      ],
      rollout: { batches: [2, 'rest'], onFailure: 'revert' },
    });
    expect(res.status).toBe(202);
    const op = await finished(h, res.body.id, 40_000);
    expect(op.status).toBe('ROLLED_BACK');
    expect(op.results.map((r: any) => [r.status, r.compensation?.status])).toEqual([
      ['SUCCEEDED', 'SUCCEEDED'],
      ['SUCCEEDED', 'SUCCEEDED'],
      ['FAILED', undefined],
    ]);
    const restoring = await getOp(h, op.results[0].compensation.operationId);
    expect(restoring.results[0].changes).toMatchObject({ replacePolicy: true, policy: { messageCountForInterval: 1000 } });
    const lb = await sandboxControl(h, 'GET', `/__sandbox/state/loadbalancers/${SEED.lbWeb}`);
    expect(lb.name).toBe(lbBefore);
    expect(lb.tags_v2.map((t: any) => t.key)).not.toContain('wave');
    const puts = ((await sandboxControl(h, 'GET', '/__sandbox/requests')).log as { method: string; path: string; body?: any }[]).filter(
      (r) => r.method === 'PUT' && r.path.includes('/policies/quota/'),
    );
    expect(puts.map((p) => p.body.policy.messageCountForInterval)).toEqual([1000, 5, 1000]);
  });

  it('a pause is honoured and visible, and a target changed during it is not overwritten by the compensation: ROLLBACK_FAILED names it', async () => {
    await sandboxControl(h, 'POST', '/__sandbox/faults', { method: 'PATCH', path: SEED.l7(3), count: -1, status: 400, body: { message: 'refused' } });
    const res = await postUpdates(h, {
      updates: [1, 2, 3].map((n) => ({ target: l7Target(n), changes: { name: `paused-${n}` } })),
      // a pause long beside what a busy machine needs to run the change "meanwhile" (it must end within the pause)
      rollout: { batchSize: 1, pauseSeconds: PAUSE_S, onFailure: 'revert' },
    });
    expect(res.status).toBe(202);
    expect(res.body.rollout.batches).toEqual([[0], [1], [2]]);
    const paused = await waitFor(async () => {
      const op = await getOp(h, res.body.id);
      return op.rollout.state === 'PAUSED' ? op : undefined;
    }, 20_000);
    expect(paused.status).toBe('RUNNING');
    expect(paused.rollout.current).toBe(0);
    const resumesAt = Date.parse(paused.rollout.resumesAt);
    // set when batch 1 ended (nothing changes while paused)
    expect(resumesAt - Date.parse(paused.updatedAt)).toBe(PAUSE_S * 1000);
    expect(paused.results[1].status).toBe('PENDING');
    // a later change of the first target while the rollout waits (its lane is free: batch 1 ended)
    const meanwhile = await postUpdates(h, { updates: [{ target: l7Target(1), changes: { name: 'changed-meanwhile' } }] });
    expect((await finished(h, meanwhile.body.id)).status).toBe('SUCCEEDED');
    expect((await getOp(h, res.body.id)).rollout.state).toBe('PAUSED');
    const op = await finished(h, res.body.id, 60_000); // two pauses, then the compensation
    // the next batch's write came only once the pause had passed
    const [secondWrite] = await patchesOf(h, 2);
    expect(secondWrite.at).toBeGreaterThanOrEqual(resumesAt - 1000);
    expect(op.status).toBe('ROLLBACK_FAILED');
    expect(op.rollout.state).toBe('ROLLBACK_FAILED');
    expect(op.results[0].compensation.status).toBe('SKIPPED');
    expect(op.rollout.notRestored).toEqual([expect.objectContaining({ index: 0, target: l7Target(1) })]);
    expect(await l7Name(h, 1)).toBe('changed-meanwhile');
    expect(op.results[1].compensation.status).toBe('SUCCEEDED');
    expect(await l7Name(h, 2)).toBe(initialNames[2]);
  });

  it('a later update of a target in a waiting batch waits behind it (queuedBehind), then applies after it', async () => {
    const first = await postUpdates(h, {
      updates: [1, 2].map((n) => ({ target: l7Target(n), changes: { name: `first-${n}` } })),
      rollout: { batches: [1, 'rest'], pauseSeconds: PAUSE_S }, // long enough to post the later update inside it
    });
    expect(first.status).toBe(202);
    await waitFor(async () => ((await getOp(h, first.body.id)).rollout.state === 'PAUSED' ? true : undefined), 20_000);
    const later = await postUpdates(h, { updates: [{ target: l7Target(2), changes: { name: 'later-2' } }] });
    expect(later.status).toBe(202);
    expect(later.body.results[0].queuedBehind).toBe(`${first.body.id}#1`);
    const waiting = await getOp(h, later.body.id);
    expect(waiting.results[0]).toMatchObject({ status: 'PENDING', queuedBehind: `${first.body.id}#1` });
    expect(await patchesOf(h, 2)).toHaveLength(0);
    const [a, b] = [await finished(h, first.body.id), await finished(h, later.body.id)];
    expect(a.status).toBe('SUCCEEDED');
    expect(a.rollout.state).toBe('COMPLETED');
    expect(b.status).toBe('SUCCEEDED');
    expect(b.results[0].queuedBehind).toBeUndefined();
    const writes = await patchesOf(h, 2);
    expect(writes.map((w) => w.body.name)).toEqual(['first-2', 'later-2']);
    expect(await l7Name(h, 2)).toBe('later-2');
  });

  it('refuses batches with batchSize (400 naming rollout), and a dry run shows the planned batches', async () => {
    const both = await postUpdates(h, { updates: [{ target: l7Target(1), changes: { name: 'valid-name' } }], rollout: { batches: [1], batchSize: 1 } });
    expect(both.status).toBe(400);
    expect(both.headers['content-type']).toContain('application/problem+json');
    expect(both.body.errors).toEqual([expect.objectContaining({ path: 'rollout' })]);
    const dry = await postUpdates(h, {
      dryRun: true,
      updates: [1, 2, 3].map((n) => ({ target: l7Target(n), changes: { name: `dry-${n}` } })),
      rollout: { batchSize: 2, onFailure: 'halt' },
    });
    expect(dry.status).toBe(200);
    expect(dry.body.rollout).toMatchObject({ batches: [[0, 1], [2]], state: 'PLANNED', current: 0, onFailure: 'halt' });
  });
});
