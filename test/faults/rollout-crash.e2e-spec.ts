/**
 * Staged rollout (contract §9, issue #16): "kill -9 of a worker mid-rollout or mid-compensation resumes to the same end
 * state". Each case first runs the rollout uninterrupted (the reference), then again on a fresh sandbox with the worker
 * killed at a chosen point and a new one started, and compares the end states: operation, rollout, every result, the
 * provider's state, and what was written to it.
 */
import { l7Target } from '../support/targets';
import { scaled, until } from '../support/wait';
import { api } from './support/api';
import { BATCHES, REFUSED, RolloutCrashRig, SIX, endState, eventKey, patchesOf, writeCounts } from './support/rollout';

describe('fault: the worker is killed (kill -9) in the middle of a staged rollout', () => {
  const rig = new RolloutCrashRig();
  const { prefix, mark, patchFault, l7Name, l7State, requestLog, getOp, terminal, refuse, post, providerState, webhookIdsOf } = rig;
  const { referenceRun, revertReference, whileCompensating, expectRolledBackOnce, killWorker, restartWorker, killAndRestart } = rig;

  beforeAll(() => rig.start(), 120_000);
  beforeEach(() => rig.reset());
  afterAll(() => rig.stop());

  it('halt: a kill while batch 2 runs (one target mid-task, the refused one mid-write) ends exactly as the uninterrupted run', async () => {
    // the reference: the same rollout, uninterrupted
    const { op: reference, provider: referenceProvider, writes: referenceWrites } = await referenceRun('href', 'halt');
    // what the contract says it is (so the comparison below cannot pass on a wrong reference)
    expect(endState(reference)).toEqual({
      status: 'PARTIALLY_SUCCEEDED',
      rollout: { batches: [[0], [1, 2], [3, 4, 5]], current: 1, state: 'HALTED' },
      results: [
        { status: 'SUCCEEDED' },
        { status: 'SUCCEEDED' },
        { status: 'FAILED', code: 'VALIDATION_FAILED', providerStatus: 400 },
        ...Array(3).fill({ status: 'CANCELLED', code: 'CANCELLED_BY_ROLLOUT' }),
      ],
    });
    expect(referenceProvider).toEqual({ 1: 'renamed', 2: 'renamed', 3: 'initial', 4: 'initial', 5: 'initial', 6: 'initial' });
    expect(referenceWrites).toEqual({ 1: 1, 2: 1, 3: 1, 4: 0, 5: 0, 6: 0 });

    // the crash run: batch 2's good target waits on a long task, the refused target's first PATCH is never answered
    // (faults are walked in order: the first PATCH of the refused target hangs, the next one is refused)
    await patchFault(REFUSED, { hang: true, count: 1 });
    await refuse(REFUSED);
    await patchFault(2, { taskDurationMs: 5000, count: 1 });
    const id = await post('halt', SIX, { batches: BATCHES, onFailure: 'halt' });
    const atKill = await until(
      'batch 2 running: target 1 mid-task, the PATCH of target 2 in flight',
      async () => {
        const op = await getOp(id);
        const [, second, third] = op.results;
        if (op.rollout.current !== 1 || second.status !== 'RUNNING' || !second.gcore?.taskIds?.length || third.status !== 'RUNNING') return undefined;
        const inFlight = patchesOf(await requestLog(), REFUSED).some((e) => e.status === 0);
        return inFlight ? op : undefined;
      },
      20_000,
      25,
    );
    // the kill comes in the middle of batch 2: batch 1 done, batch 3 not started (nothing sent for it)
    expect(atKill.rollout.state).toBe('RUNNING');
    expect(atKill.results.map((r: any) => r.status)).toEqual(['SUCCEEDED', 'RUNNING', 'RUNNING', 'PENDING', 'PENDING', 'PENDING']);
    expect((await l7State(2)).lock).not.toBeNull();
    const taskIdsAtKill = atKill.results[1].gcore.taskIds;
    mark(`${id} batch 2 running: kill -9`);
    await killAndRestart('worker-after-batch-kill');

    const op = await terminal(id, 60_000);
    mark('crash run ended');
    expect(endState(op)).toEqual(endState(reference));
    for (const r of op.results.slice(3)) expect(r.error.message).toContain('index 2');
    // the new worker followed the task the first one started (no second write of target 1)
    expect(op.results[1].gcore.taskIds).toEqual(taskIdsAtKill);
    expect(await providerState('halt', SIX)).toEqual(referenceProvider);
    const log = await requestLog();
    // batch 3 never written; the refused PATCH that hung at the kill was sent again (no answer reached a worker), once
    expect(writeCounts(log, SIX)).toEqual({ ...referenceWrites, [REFUSED]: 2 });
    expect(patchesOf(log, REFUSED)[0].status).toBe(0);
    // no lock left behind
    for (const n of SIX) expect((await l7State(n)).lock).toBeNull();

    // each target ended once (the guarded transitions counted it once), and the rollout is no longer tracked
    const [done, count, ok, status, rolloutState] = await rig.redis.hmget(`{${prefix}}:op:${id}`, 'done', 'count', 'ok', 'status', 'rs');
    expect({ done, count, ok, status, rolloutState }).toEqual({ done: '6', count: '6', ok: '2', status: 'PARTIALLY_SUCCEEDED', rolloutState: 'HALTED' });
    expect(await rig.redis.zscore(`{${prefix}}:ops:rollouts`, id)).toBeNull();
    // one operation.target.completed id per target (the cancelled ones included), one operation.completed
    const expectedHooks = {
      ...Object.fromEntries(['0', '1', '2', '3', '4', '5'].map((i) => [`operation.target.completed ${i}`, 1])),
      'operation.completed PARTIALLY_SUCCEEDED': 1,
    };
    await until('every event of the crash run delivered', () => Object.keys(webhookIdsOf(id, eventKey)).length >= 7, 30_000);
    expect(webhookIdsOf(id, eventKey)).toEqual(expectedHooks);

    // the cancelled targets left their lanes: a later update of one starts at once
    const later = await api(rig.gateway.url, 'POST', '/v1/routing-policy-updates', { updates: [{ target: l7Target(4), changes: { name: 'after-halt' } }] });
    expect(later.status).toBe(202);
    expect((await terminal(later.body.id, 20_000)).status).toBe('SUCCEEDED');
    expect(await l7Name(4)).toBe('after-halt');
    expect(webhookIdsOf(id, eventKey)).toEqual(expectedHooks);
    mark('done');
  }, 180_000);

  it('revert: a kill while the compensation waits on its tasks ends ROLLED_BACK through the same single restoring operation', async () => {
    const { op: reference } = await revertReference('rref');

    // the crash run: the rollout's own writes are fast, the restoring writes' tasks slow. Faults are walked in order and
    // the later one's modifiers win: the first PATCH of each target gets the fast task (and uses up that fault), the
    // second (the compensation's) the slow one.
    await refuse(REFUSED);
    for (const n of [1, 2]) {
      await patchFault(n, { taskDurationMs: 5000, count: -1 });
      await patchFault(n, { taskDurationMs: 300, count: 1 });
    }
    const id = await post('rev', SIX, { batches: BATCHES, onFailure: 'revert' });
    const { op: compensating, restoring: restoringAtKill } = await whileCompensating(id, 'COMPENSATING, both restoring writes waiting on their tasks', (r) =>
      r.results.every((x: any) => x.status === 'RUNNING' && x.gcore?.taskIds?.length),
    );
    const compensationId: string = restoringAtKill.id;
    expect(compensating.status).toBe('RUNNING');
    expect(compensating.results.map((r: any) => r.compensation)).toEqual([
      { status: 'PENDING', operationId: compensationId },
      { status: 'PENDING', operationId: compensationId },
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    // mid-task: the provider still holds both targets, with the rollout's names
    for (const n of [1, 2]) {
      const state = await l7State(n);
      expect({ n, name: state.name, locked: state.lock !== null }).toEqual({ n, name: `rev-${n}`, locked: true });
    }
    const taskIdsAtKill = restoringAtKill.results.map((r: any) => r.gcore.taskIds);
    mark(`${id} compensating through ${compensationId}: kill -9`);
    await killAndRestart('worker-after-compensation-kill');

    const { restoring } = await expectRolledBackOnce(id, 'rev', compensationId, reference);
    // the resumed worker waited on the tasks the first one started: no second restoring write
    expect(restoring.results.map((r: any) => r.gcore.taskIds)).toEqual(taskIdsAtKill);
    const log = await requestLog();
    // each changed target written twice (the rollout's write, one restoring write), batch 3 never
    expect(writeCounts(log, SIX)).toEqual({ 1: 2, 2: 2, 3: 1, 4: 0, 5: 0, 6: 0 });
    for (const n of [1, 2]) expect(patchesOf(log, n).map((e) => e.body?.name)).toEqual([`rev-${n}`, rig.initialNames[n]]);
    mark('done');
  }, 180_000);

  it('revert: a kill while a restoring write is in flight (before its task ids are recorded): written again once, same end state, `before` kept', async () => {
    const { op: reference } = await revertReference('rref2');

    // the crash run: target 2's rollout write has a long task, so batch 2 ends (and the compensation begins) only after
    // the restoring PATCH of target 1 has been set to hang (its rollout write is over by then)
    await refuse(REFUSED);
    await patchFault(2, { taskDurationMs: 3000, count: 1 });
    const id = await post('rev2', SIX, { batches: BATCHES, onFailure: 'revert' });
    const batch2 = await until(
      "batch 1 ended, batch 2's long task running",
      async () => {
        const op = await getOp(id);
        return op.results[0].status === 'SUCCEEDED' && op.results[1].gcore?.taskIds?.length ? op : undefined;
      },
      20_000,
      25,
    );
    await patchFault(1, { hang: true, count: 1 });
    expect(batch2.rollout.state === 'RUNNING' || batch2.rollout.state === 'HALTED').toBe(true);
    // the fault came in time: target 2 is still on its task (no compensation can have begun)
    expect((await getOp(id)).results[1].status).toBe('RUNNING');

    // kill once the restoring PATCH of target 1 hangs (RUNNING, `before` stored, no task id) and target 2's restoring
    // write was answered (its task ids recorded: it must not be written again)
    const { restoring: restoringAtKill } = await whileCompensating(
      id,
      "COMPENSATING, target 1's restoring PATCH hanging, target 2's recorded",
      (r, log) =>
        r.results[0].status === 'RUNNING' &&
        patchesOf(log, 1).some((e) => e.status === 0) &&
        (r.results[1].status === 'SUCCEEDED' || r.results[1].gcore?.taskIds?.length > 0),
    );
    const compensationId: string = restoringAtKill.id;
    const [first, second] = restoringAtKill.results;
    expect(first.before).toEqual(expect.objectContaining({ name: 'rev2-1' }));
    expect(first.gcore?.taskIds ?? []).toEqual([]);
    mark(`${id} compensating through ${compensationId}, target 1's restoring PATCH hanging: kill -9`);
    await killAndRestart('worker-after-write-kill');

    // BullMQ hands the stalled provider call to the new worker (lockDuration + stalledInterval), which writes again
    const { restoring } = await expectRolledBackOnce(id, 'rev2', compensationId, reference);
    // the state before the restoring write is the one the first attempt stored (not re-read by the retry)
    expect(restoring.results[0].before).toEqual(first.before);
    if (second.gcore?.taskIds?.length) expect(restoring.results[1].gcore.taskIds).toEqual(second.gcore.taskIds);
    const log = await requestLog();
    // target 1: the rollout's write, the hung restoring write (never answered, never applied), one more; target 2 once each
    expect(writeCounts(log, SIX)).toEqual({ 1: 3, 2: 2, 3: 1, 4: 0, 5: 0, 6: 0 });
    expect(patchesOf(log, 1).map((e) => (e.status === 0 ? 'hung' : e.body?.name))).toEqual(['rev2-1', 'hung', rig.initialNames[1]]);
    expect(patchesOf(log, 2).map((e) => e.body?.name)).toEqual(['rev2-2', rig.initialNames[2]]);
    mark('done');
  }, 180_000);

  it('pause: a kill while PAUSED, the timer due with no worker running: the new worker starts the next batch and completes', async () => {
    const PAUSE_S = 3;
    const id = await post('pause', [7, 8], { batches: [1, 'rest'], pauseSeconds: PAUSE_S, onFailure: 'halt' });
    const paused = await until(
      'PAUSED after batch 1',
      async () => {
        const op = await getOp(id);
        return op.rollout.state === 'PAUSED' ? op : undefined;
      },
      20_000,
      25,
    );
    expect(paused).toMatchObject({ status: 'RUNNING', rollout: { current: 0 }, results: [{ status: 'SUCCEEDED' }, { status: 'PENDING' }] });
    const resumesAt = Date.parse(paused.rollout.resumesAt);
    // the timer is a delayed job in the rollouts queue
    const jobId = `rollout-${id}-1`;
    expect(await rig.redis.zscore(`{${prefix}}:rollouts:delayed`, jobId)).not.toBeNull();
    mark(`${id} PAUSED until ${paused.rollout.resumesAt}: kill -9`);
    await killWorker();

    // no worker while the pause ends: nothing moves (the gateway does not start batches)
    await until(
      'the pause over with no worker running',
      async () => {
        const op = await getOp(id);
        expect(op.rollout.state).toBe('PAUSED');
        expect(patchesOf(await requestLog(), 8)).toHaveLength(0);
        return Date.now() > resumesAt + 500;
      },
      PAUSE_S * 1000 + 10_000,
      250,
    );
    const restartedAt = Date.now();
    await restartWorker('worker-after-pause-kill');
    const upAt = Date.now(); // the new worker said "worker started"

    const op = await terminal(id, 30_000);
    expect(endState(op)).toEqual({
      status: 'SUCCEEDED',
      rollout: { batches: [[0], [1]], current: 1, state: 'COMPLETED' },
      results: [{ status: 'SUCCEEDED' }, { status: 'SUCCEEDED' }],
    });
    expect(op.rollout.resumesAt).toBeUndefined();
    expect(await providerState('pause', [7, 8])).toEqual({ 7: 'renamed', 8: 'renamed' });
    const log = await requestLog();
    expect(writeCounts(log, [7, 8])).toEqual({ 7: 1, 8: 1 });
    // batch 2 started by the surviving timer soon after the new worker came up (not by the 30 s maintenance sweep)
    const [secondWrite] = patchesOf(log, 8);
    expect(secondWrite.at).toBeGreaterThanOrEqual(resumesAt);
    // (counted from the new worker being up: a busy machine's slow process start is no part of it; the sweep is 30 s)
    expect(secondWrite.at - upAt).toBeLessThan(scaled(15_000));
    // the timer job survived the kill and ran in the new worker (before batch 2's write), and is not waiting any more
    expect(await rig.redis.zscore(`{${prefix}}:rollouts:delayed`, jobId)).toBeNull();
    expect(await rig.redis.zscore(`{${prefix}}:rollouts:completed`, jobId)).not.toBeNull();
    const processedOn = Number(await rig.redis.hget(`{${prefix}}:rollouts:${jobId}`, 'processedOn'));
    expect(processedOn).toBeGreaterThanOrEqual(restartedAt);
    expect(processedOn).toBeLessThanOrEqual(secondWrite.at);
    mark('done');
  }, 120_000);
});
