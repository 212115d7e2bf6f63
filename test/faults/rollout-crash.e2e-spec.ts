/**
 * Staged rollout (contract §9, issue #16): "kill -9 of a worker mid-rollout or mid-compensation resumes to the same end
 * state". Each case first runs the rollout uninterrupted (the reference), then again on a fresh sandbox with the worker
 * killed at a chosen point and a new one started, and compares the end states: operation, rollout, every result, the
 * provider's state, and what was written to it.
 */
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { ReceivedWebhook, startReceiver } from '../support/receiver';
import { SEED, l7Target } from '../support/targets';
import { until } from '../support/wait';
import { api, waitForTerminal } from './support/api';
import { Gateway, Sandbox, appEnv, startGateway, startSandbox, startWorker } from './support/apps';
import { Proc, stopAll } from './support/processes';
import { deletePrefix } from './support/redis';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** L7 policies 1..6 in batches [1, 2, "rest"]: [[0], [1, 2], [3, 4, 5]]; policy 3 (index 2, batch 2) is refused. */
const SIX = [1, 2, 3, 4, 5, 6];
const BATCHES = [1, 2, 'rest'];
const REFUSED = 3;
const REFUSAL = { exception_class: 'ValidationError', message: 'position is taken' };

interface LogEntry {
  method: string;
  path: string;
  status: number;
  at: number;
  body?: any;
}

describe('fault: the worker is killed (kill -9) in the middle of a staged rollout', () => {
  const prefix = `fro${randomBytes(3).toString('hex')}`;
  let sandbox: Sandbox;
  let gateway: Gateway;
  let env: Record<string, string>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let redis: Redis;
  let worker: Proc;
  let initialNames: Record<number, string>;
  let t0 = Date.now();
  const mark = (what: string) => process.env.FAULTS_VERBOSE && process.stderr.write(`[rollout-crash] +${Date.now() - t0} ms ${what}\n`);

  const l7Name = async (n: number): Promise<string> => (await sandbox.control('GET', `/__sandbox/state/l7policies/${SEED.l7(n)}`)).name;
  const names = async (ns: number[]) => Object.fromEntries(await Promise.all(ns.map(async (n) => [n, await l7Name(n)])));
  const requestLog = async () => (await sandbox.control<{ log: LogEntry[] }>('GET', '/__sandbox/requests')).log;
  const patchesOf = (log: LogEntry[], n: number) => log.filter((e) => e.method === 'PATCH' && e.path.includes(SEED.l7(n)));
  const getOp = async (id: string) => {
    const res = await api(gateway.url, 'GET', `/v1/operations/${id}`);
    expect(res.status).toBe(200);
    return res.body;
  };
  const terminal = async (id: string, timeoutMs: number) => (await waitForTerminal(gateway.url, [id], timeoutMs)).get(id);
  const refuse = (n: number, extra: Record<string, unknown> = {}) =>
    sandbox.control('POST', '/__sandbox/faults', { method: 'PATCH', path: SEED.l7(n), count: -1, status: 400, body: REFUSAL, ...extra });
  const post = async (tag: string, ns: number[], rollout: object) => {
    const res = await api(gateway.url, 'POST', '/v1/routing-policy-updates', {
      reference: `${prefix}-${tag}`,
      updates: ns.map((n) => ({ target: l7Target(n), changes: { name: `${tag}-${n}` } })),
      rollout,
    });
    expect(res.status).toBe(202);
    return res.body.id as string;
  };
  /** What must not depend on a crash: the end of the operation, its rollout and each target (ids and times aside). */
  const endState = (op: any) => ({
    status: op.status,
    rollout: { batches: op.rollout.batches, current: op.rollout.current, state: op.rollout.state, notRestored: op.rollout.notRestored },
    results: op.results.map((r: any) => ({
      status: r.status,
      code: r.error?.code,
      providerStatus: r.error?.providerStatus,
      compensation: r.compensation?.status,
    })),
  });
  /** Each target: renamed by the rollout (`<tag>-<n>`), or still its seed name. */
  const providerState = async (tag: string, ns: number[]) => {
    const now = await names(ns);
    return Object.fromEntries(
      ns.map((n) => [n, now[n] === `${tag}-${n}` ? 'renamed' : now[n] === initialNames[n] ? 'initial' : `unexpected ${JSON.stringify(now[n])}`]),
    );
  };
  /** Writes per target (PATCH count). */
  const writeCounts = (log: LogEntry[], ns: number[]) => Object.fromEntries(ns.map((n) => [n, patchesOf(log, n).length]));
  /** The webhooks of one operation: distinct webhook-ids per (type, key), to check every event went out under one id. */
  const webhookIdsOf = (operationId: string, key: (h: ReceivedWebhook) => string) => {
    const byKey: Record<string, Set<string>> = {};
    for (const h of receiver.received) {
      if ((h.json?.data?.operationId ?? h.json?.data?.id) !== operationId) continue;
      (byKey[`${h.json.type} ${key(h)}`] ??= new Set()).add(String(h.headers['webhook-id']));
    }
    return Object.fromEntries(Object.entries(byKey).map(([k, ids]) => [k, ids.size]));
  };
  const eventKey = (h: ReceivedWebhook) =>
    h.json.type === 'operation.completed'
      ? h.json.data.status
      : `${h.json.data.result.index}${h.json.data.result.compensation ? `/compensation ${h.json.data.result.compensation.status}` : ''}`;
  /** The rollout over policies 1..6 uninterrupted (policy 3 refused): its end state and the writes it made. */
  const referenceRun = async (tag: string, onFailure: 'halt' | 'revert') => {
    await refuse(REFUSED);
    const op = await terminal(await post(tag, SIX, { batches: BATCHES, onFailure }), 30_000);
    const provider = await providerState(tag, SIX);
    const writes = writeCounts(await requestLog(), SIX);
    await sandbox.control('POST', '/__sandbox/reset');
    mark(`reference ${tag} ended`);
    return { op, provider, writes };
  };
  const revertReference = async (tag: string) => {
    const ref = await referenceRun(tag, 'revert');
    // what the contract says it is (so the comparison with it cannot pass on a wrong reference)
    expect(endState(ref.op)).toEqual({
      status: 'ROLLED_BACK',
      rollout: { batches: [[0], [1, 2], [3, 4, 5]], current: 1, state: 'ROLLED_BACK' },
      results: [
        { status: 'SUCCEEDED', compensation: 'SUCCEEDED' },
        { status: 'SUCCEEDED', compensation: 'SUCCEEDED' },
        { status: 'FAILED', code: 'VALIDATION_FAILED', providerStatus: 400 },
        ...Array(3).fill({ status: 'CANCELLED', code: 'CANCELLED_BY_ROLLOUT' }),
      ],
    });
    expect(ref.provider).toEqual(Object.fromEntries(SIX.map((n) => [n, 'initial'])));
    expect(ref.writes).toEqual({ 1: 2, 2: 2, 3: 1, 4: 0, 5: 0, 6: 0 });
    return ref;
  };
  /** The restoring operation of a COMPENSATING rollout, once `ready` says so. */
  const whileCompensating = (id: string, what: string, ready: (restoring: any, log: LogEntry[]) => boolean) =>
    until(
      what,
      async () => {
        const op = await getOp(id);
        const compensationId = op.results[0].compensation?.operationId;
        if (op.rollout.state !== 'COMPENSATING' || !compensationId) return undefined;
        const res = await api(gateway.url, 'GET', `/v1/operations/${compensationId}`);
        if (res.status !== 200 || !ready(res.body, await requestLog())) return undefined;
        return { op, restoring: res.body };
      },
      20_000,
      25,
    );
  /** The end of a crash run of the revert rollout `tag` that must equal the reference: one restoring operation, linked. */
  const expectRolledBackOnce = async (id: string, tag: string, compensationId: string, reference: any) => {
    const op = await terminal(id, 60_000);
    mark('crash run ended');
    expect(endState(op)).toEqual(endState(reference));
    // the same restoring operation, linked once both ways; no second one (by id or by reference)
    for (const i of [0, 1]) expect(op.results[i].compensation).toEqual({ status: 'SUCCEEDED', operationId: compensationId });
    expect(op.revertedBy).toEqual([compensationId]);
    const restoring = await getOp(compensationId);
    expect(restoring).toMatchObject({ status: 'SUCCEEDED', revertOf: id, reference: `${prefix}-${tag}` });
    expect(restoring.results.map((r: any) => ({ target: r.target.id, status: r.status }))).toEqual([
      { target: SEED.l7(1), status: 'SUCCEEDED' },
      { target: SEED.l7(2), status: 'SUCCEEDED' },
    ]);
    const listed = await api(gateway.url, 'GET', `/v1/operations?reference=${encodeURIComponent(`${prefix}-${tag}`)}`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((o: any) => o.id).sort()).toEqual([id, compensationId].sort());
    // every changed target back to its seed name, no lock left
    expect(await providerState(tag, SIX)).toEqual(Object.fromEntries(SIX.map((n) => [n, 'initial'])));
    for (const n of SIX) expect((await sandbox.control('GET', `/__sandbox/state/l7policies/${SEED.l7(n)}`)).lock).toBeNull();
    // each restoring target ended once; the rollout is no longer tracked
    const [done, count, ok] = await redis.hmget(`{${prefix}}:op:${compensationId}`, 'done', 'count', 'ok');
    expect({ done, count, ok }).toEqual({ done: '2', count: '2', ok: '2' });
    expect(await redis.zscore(`{${prefix}}:ops:rollouts`, id)).toBeNull();
    // events: one id per target, one per compensated target, one operation.completed (ROLLED_BACK)
    const expectedHooks = {
      ...Object.fromEntries(['0', '1', '2', '3', '4', '5'].map((i) => [`operation.target.completed ${i}`, 1])),
      'operation.target.completed 0/compensation SUCCEEDED': 1,
      'operation.target.completed 1/compensation SUCCEEDED': 1,
      'operation.completed ROLLED_BACK': 1,
    };
    await until('every event of the crash run delivered', () => Object.keys(webhookIdsOf(id, eventKey)).length >= 9, 30_000);
    expect(webhookIdsOf(id, eventKey)).toEqual(expectedHooks);
    return { op, restoring };
  };
  const killAndRestart = async (name: string) => {
    const exit = await worker.kill9();
    expect(exit.signal).toBe('SIGKILL');
    worker = await startWorker(env, name);
    mark(`${name} started`);
  };

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    // fast tasks unless a case makes some slow (sandbox faults per request)
    sandbox = await startSandbox({ SANDBOX_TASK_DURATION_MS: '300' });
    env = appEnv({ redisUrl: REDIS_URL, sandboxUrl: sandbox.url, prefix });
    [gateway, worker] = await Promise.all([startGateway(env), startWorker(env, 'worker-1')]);
    receiver = await startReceiver();
    const sub = await api(gateway.url, 'POST', '/v1/webhook-subscriptions', { url: receiver.url, events: ['*'], description: 'rollout-crash' });
    expect(sub.status).toBe(201);
  }, 60_000);

  beforeEach(async () => {
    await sandbox.control('POST', '/__sandbox/reset');
    initialNames = await names([...SIX, 7, 8]);
    t0 = Date.now();
  });

  afterAll(async () => {
    await stopAll();
    await receiver?.close();
    await deletePrefix(REDIS_URL, prefix);
    redis?.disconnect();
  });

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
    await sandbox.control('POST', '/__sandbox/faults', { method: 'PATCH', path: SEED.l7(REFUSED), hang: true, count: 1 });
    await refuse(REFUSED);
    await sandbox.control('POST', '/__sandbox/faults', { method: 'PATCH', path: SEED.l7(2), taskDurationMs: 5000, count: 1 });
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
    expect((await sandbox.control('GET', `/__sandbox/state/l7policies/${SEED.l7(2)}`)).lock).not.toBeNull();
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
    for (const n of SIX) expect((await sandbox.control('GET', `/__sandbox/state/l7policies/${SEED.l7(n)}`)).lock).toBeNull();

    // each target ended once (the guarded transitions counted it once), and the rollout is no longer tracked
    const [done, count, ok, status, rolloutState] = await redis.hmget(`{${prefix}}:op:${id}`, 'done', 'count', 'ok', 'status', 'rs');
    expect({ done, count, ok, status, rolloutState }).toEqual({ done: '6', count: '6', ok: '2', status: 'PARTIALLY_SUCCEEDED', rolloutState: 'HALTED' });
    expect(await redis.zscore(`{${prefix}}:ops:rollouts`, id)).toBeNull();
    // one operation.target.completed id per target (the cancelled ones included), one operation.completed
    const expectedHooks = {
      ...Object.fromEntries(['0', '1', '2', '3', '4', '5'].map((i) => [`operation.target.completed ${i}`, 1])),
      'operation.completed PARTIALLY_SUCCEEDED': 1,
    };
    await until('every event of the crash run delivered', () => Object.keys(webhookIdsOf(id, eventKey)).length >= 7, 30_000);
    expect(webhookIdsOf(id, eventKey)).toEqual(expectedHooks);

    // the cancelled targets left their lanes: a later update of one starts at once
    const later = await api(gateway.url, 'POST', '/v1/routing-policy-updates', { updates: [{ target: l7Target(4), changes: { name: 'after-halt' } }] });
    expect(later.status).toBe(202);
    expect((await terminal(later.body.id, 20_000)).status).toBe('SUCCEEDED');
    expect(await l7Name(4)).toBe('after-halt');
    expect(webhookIdsOf(id, eventKey)).toEqual(expectedHooks);
    mark('done');
  }, 90_000);

  it('revert: a kill while the compensation waits on its tasks ends ROLLED_BACK through the same single restoring operation', async () => {
    const { op: reference } = await revertReference('rref');

    // the crash run: the rollout's own writes are fast, the restoring writes' tasks slow. Faults are walked in order and
    // the later one's modifiers win: the first PATCH of each target gets the fast task (and uses up that fault), the
    // second (the compensation's) the slow one.
    await refuse(REFUSED);
    for (const n of [1, 2]) {
      await sandbox.control('POST', '/__sandbox/faults', { method: 'PATCH', path: SEED.l7(n), taskDurationMs: 5000, count: -1 });
      await sandbox.control('POST', '/__sandbox/faults', { method: 'PATCH', path: SEED.l7(n), taskDurationMs: 300, count: 1 });
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
      const state = await sandbox.control('GET', `/__sandbox/state/l7policies/${SEED.l7(n)}`);
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
    for (const n of [1, 2]) expect(patchesOf(log, n).map((e) => e.body?.name)).toEqual([`rev-${n}`, initialNames[n]]);
    mark('done');
  }, 90_000);

  it('revert: a kill while a restoring write is in flight (before its task ids are recorded): written again once, same end state, `before` kept', async () => {
    const { op: reference } = await revertReference('rref2');

    // the crash run: target 2's rollout write has a long task, so batch 2 ends (and the compensation begins) only after
    // the restoring PATCH of target 1 has been set to hang (its rollout write is over by then)
    await refuse(REFUSED);
    await sandbox.control('POST', '/__sandbox/faults', { method: 'PATCH', path: SEED.l7(2), taskDurationMs: 3000, count: 1 });
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
    await sandbox.control('POST', '/__sandbox/faults', { method: 'PATCH', path: SEED.l7(1), hang: true, count: 1 });
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
    expect(patchesOf(log, 1).map((e) => (e.status === 0 ? 'hung' : e.body?.name))).toEqual(['rev2-1', 'hung', initialNames[1]]);
    expect(patchesOf(log, 2).map((e) => e.body?.name)).toEqual(['rev2-2', initialNames[2]]);
    mark('done');
  }, 90_000);

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
    expect(await redis.zscore(`{${prefix}}:rollouts:delayed`, jobId)).not.toBeNull();
    mark(`${id} PAUSED until ${paused.rollout.resumesAt}: kill -9`);
    const exit = await worker.kill9();
    expect(exit.signal).toBe('SIGKILL');

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
    worker = await startWorker(env, 'worker-after-pause-kill');
    mark('worker-after-pause-kill started');

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
    expect(secondWrite.at - restartedAt).toBeLessThan(10_000);
    // the timer job survived the kill and ran in the new worker (before batch 2's write), and is not waiting any more
    expect(await redis.zscore(`{${prefix}}:rollouts:delayed`, jobId)).toBeNull();
    expect(await redis.zscore(`{${prefix}}:rollouts:completed`, jobId)).not.toBeNull();
    const processedOn = Number(await redis.hget(`{${prefix}}:rollouts:${jobId}`, 'processedOn'));
    expect(processedOn).toBeGreaterThanOrEqual(restartedAt);
    expect(processedOn).toBeLessThanOrEqual(secondWrite.at);
    mark('done');
  }, 60_000);
});
