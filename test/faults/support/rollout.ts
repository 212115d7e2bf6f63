/**
 * The rig of the staged-rollout crash suite (rollout-crash.e2e-spec.ts): the sandbox, a gateway and a worker as real
 * processes on their own key prefix, a webhook receiver subscribed to every event, and what the cases read and compare
 * (end states, the provider's state, the writes it received, the webhook ids per event).
 */
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { Receiver, ReceivedWebhook, startReceiver } from '../../support/receiver';
import { SEED, l7Target } from '../../support/targets';
import { until } from '../../support/wait';
import { api, waitForTerminal } from './api';
import { Gateway, Sandbox, appEnv, startGateway, startSandbox, startWorker } from './apps';
import { Proc, stopAll } from './processes';
import { deletePrefix } from './redis';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** L7 policies 1..6 in batches [1, 2, "rest"]: [[0], [1, 2], [3, 4, 5]]; policy 3 (index 2, batch 2) is refused. */
export const SIX = [1, 2, 3, 4, 5, 6];
export const BATCHES = [1, 2, 'rest'];
export const REFUSED = 3;
const REFUSAL = { exception_class: 'ValidationError', message: 'position is taken' };

export interface LogEntry {
  method: string;
  path: string;
  status: number;
  at: number;
  body?: any;
}

export const patchesOf = (log: LogEntry[], n: number) => log.filter((e) => e.method === 'PATCH' && e.path.includes(SEED.l7(n)));

/** Writes per target (PATCH count). */
export const writeCounts = (log: LogEntry[], ns: number[]) => Object.fromEntries(ns.map((n) => [n, patchesOf(log, n).length]));

/** What must not depend on a crash: the end of the operation, its rollout and each target (ids and times aside). */
export const endState = (op: any) => ({
  status: op.status,
  rollout: { batches: op.rollout.batches, current: op.rollout.current, state: op.rollout.state, notRestored: op.rollout.notRestored },
  results: op.results.map((r: any) => ({
    status: r.status,
    code: r.error?.code,
    providerStatus: r.error?.providerStatus,
    compensation: r.compensation?.status,
  })),
});

/** The key of a webhook among one operation's: its target index (and compensation), or the operation's end status. */
export const eventKey = (h: ReceivedWebhook) =>
  h.json.type === 'operation.completed'
    ? h.json.data.status
    : `${h.json.data.result.index}${h.json.data.result.compensation ? `/compensation ${h.json.data.result.compensation.status}` : ''}`;

/** The suite's processes and state (set by start and reset), and the helpers of its cases. */
export class RolloutCrashRig {
  readonly prefix = `fro${randomBytes(3).toString('hex')}`;
  sandbox: Sandbox;
  gateway: Gateway;
  env: Record<string, string>;
  receiver: Receiver;
  redis: Redis;
  worker: Proc;
  /** The seed names of policies 1..8, read at each reset. */
  initialNames: Record<number, string>;
  private t0 = Date.now();

  /** beforeAll: Redis, the sandbox (fast tasks unless a case makes some slow, by sandbox faults per request), a gateway, a worker, a subscribed receiver. */
  async start(): Promise<void> {
    this.redis = new Redis(REDIS_URL);
    this.sandbox = await startSandbox({ SANDBOX_TASK_DURATION_MS: '300' });
    this.env = appEnv({ redisUrl: REDIS_URL, sandboxUrl: this.sandbox.url, prefix: this.prefix });
    [this.gateway, this.worker] = await Promise.all([startGateway(this.env), startWorker(this.env, 'worker-1')]);
    this.receiver = await startReceiver();
    const sub = await api(this.gateway.url, 'POST', '/v1/webhook-subscriptions', { url: this.receiver.url, events: ['*'], description: 'rollout-crash' });
    expect(sub.status).toBe(201);
  }

  /** beforeEach: a fresh sandbox, its seed names read, the clock of `mark` restarted. */
  async reset(): Promise<void> {
    await this.sandbox.control('POST', '/__sandbox/reset');
    this.initialNames = await this.names([...SIX, 7, 8]);
    this.t0 = Date.now();
  }

  /** afterAll: every process stopped, the receiver closed, the suite's keys deleted. */
  async stop(): Promise<void> {
    await stopAll();
    await this.receiver?.close();
    await deletePrefix(REDIS_URL, this.prefix);
    this.redis?.disconnect();
  }

  /** With FAULTS_VERBOSE, a line on stderr with the time since the case began. */
  mark = (what: string) => process.env.FAULTS_VERBOSE && process.stderr.write(`[rollout-crash] +${Date.now() - this.t0} ms ${what}\n`);

  /** The sandbox's state of L7 policy n (its fields, and `lock`). */
  l7State = (n: number) => this.sandbox.control('GET', `/__sandbox/state/l7policies/${SEED.l7(n)}`);
  l7Name = async (n: number): Promise<string> => (await this.l7State(n)).name;
  names = async (ns: number[]) => Object.fromEntries(await Promise.all(ns.map(async (n) => [n, await this.l7Name(n)])));
  requestLog = async () => (await this.sandbox.control<{ log: LogEntry[] }>('GET', '/__sandbox/requests')).log;

  getOp = async (id: string) => {
    const res = await api(this.gateway.url, 'GET', `/v1/operations/${id}`);
    expect(res.status).toBe(200);
    return res.body;
  };
  terminal = async (id: string, timeoutMs: number) => (await waitForTerminal(this.gateway.url, [id], timeoutMs)).get(id);
  /** A sandbox fault on the PATCHes of L7 policy n (e.g. `{ hang: true, count: 1 }`, `{ taskDurationMs: 5000, count: -1 }`). */
  patchFault = (n: number, fault: Record<string, unknown>) =>
    this.sandbox.control('POST', '/__sandbox/faults', { method: 'PATCH', path: SEED.l7(n), ...fault });
  /** Every PATCH of L7 policy n refused by the provider (400, REFUSAL). */
  refuse = (n: number, extra: Record<string, unknown> = {}) => this.patchFault(n, { count: -1, status: 400, body: REFUSAL, ...extra });
  /** A rollout renaming each policy n to `<tag>-<n>`, reference `<prefix>-<tag>`; its id. */
  post = async (tag: string, ns: number[], rollout: object) => {
    const res = await api(this.gateway.url, 'POST', '/v1/routing-policy-updates', {
      reference: `${this.prefix}-${tag}`,
      updates: ns.map((n) => ({ target: l7Target(n), changes: { name: `${tag}-${n}` } })),
      rollout,
    });
    expect(res.status).toBe(202);
    return res.body.id as string;
  };

  /** Each target: renamed by the rollout (`<tag>-<n>`), or still its seed name. */
  providerState = async (tag: string, ns: number[]) => {
    const now = await this.names(ns);
    return Object.fromEntries(
      ns.map((n) => [n, now[n] === `${tag}-${n}` ? 'renamed' : now[n] === this.initialNames[n] ? 'initial' : `unexpected ${JSON.stringify(now[n])}`]),
    );
  };

  /** The webhooks of one operation: distinct webhook-ids per (type, key), to check every event went out under one id. */
  webhookIdsOf = (operationId: string, key: (h: ReceivedWebhook) => string) => {
    const byKey: Record<string, Set<string>> = {};
    for (const h of this.receiver.received) {
      if ((h.json?.data?.operationId ?? h.json?.data?.id) !== operationId) continue;
      (byKey[`${h.json.type} ${key(h)}`] ??= new Set()).add(String(h.headers['webhook-id']));
    }
    return Object.fromEntries(Object.entries(byKey).map(([k, ids]) => [k, ids.size]));
  };

  /** The rollout over policies 1..6 uninterrupted (policy 3 refused): its end state and the writes it made. */
  referenceRun = async (tag: string, onFailure: 'halt' | 'revert') => {
    await this.refuse(REFUSED);
    const op = await this.terminal(await this.post(tag, SIX, { batches: BATCHES, onFailure }), 30_000);
    const provider = await this.providerState(tag, SIX);
    const writes = writeCounts(await this.requestLog(), SIX);
    await this.sandbox.control('POST', '/__sandbox/reset');
    this.mark(`reference ${tag} ended`);
    return { op, provider, writes };
  };

  /** The reference run of the revert rollout, checked against what the contract says it is. */
  revertReference = async (tag: string) => {
    const ref = await this.referenceRun(tag, 'revert');
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
  whileCompensating = (id: string, what: string, ready: (restoring: any, log: LogEntry[]) => boolean) =>
    until(
      what,
      async () => {
        const op = await this.getOp(id);
        const compensationId = op.results[0].compensation?.operationId;
        if (op.rollout.state !== 'COMPENSATING' || !compensationId) return undefined;
        const res = await api(this.gateway.url, 'GET', `/v1/operations/${compensationId}`);
        if (res.status !== 200 || !ready(res.body, await this.requestLog())) return undefined;
        return { op, restoring: res.body };
      },
      20_000,
      25,
    );

  /** The end of a crash run of the revert rollout `tag` that must equal the reference: one restoring operation, linked. */
  expectRolledBackOnce = async (id: string, tag: string, compensationId: string, reference: any) => {
    const op = await this.terminal(id, 60_000);
    this.mark('crash run ended');
    expect(endState(op)).toEqual(endState(reference));
    // the same restoring operation, linked once both ways; no second one (by id or by reference)
    for (const i of [0, 1]) expect(op.results[i].compensation).toEqual({ status: 'SUCCEEDED', operationId: compensationId });
    expect(op.revertedBy).toEqual([compensationId]);
    const restoring = await this.getOp(compensationId);
    expect(restoring).toMatchObject({ status: 'SUCCEEDED', revertOf: id, reference: `${this.prefix}-${tag}` });
    expect(restoring.results.map((r: any) => ({ target: r.target.id, status: r.status }))).toEqual([
      { target: SEED.l7(1), status: 'SUCCEEDED' },
      { target: SEED.l7(2), status: 'SUCCEEDED' },
    ]);
    const listed = await api(this.gateway.url, 'GET', `/v1/operations?reference=${encodeURIComponent(`${this.prefix}-${tag}`)}`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((o: any) => o.id).sort()).toEqual([id, compensationId].sort());
    // every changed target back to its seed name, no lock left
    expect(await this.providerState(tag, SIX)).toEqual(Object.fromEntries(SIX.map((n) => [n, 'initial'])));
    for (const n of SIX) expect((await this.l7State(n)).lock).toBeNull();
    // each restoring target ended once; the rollout is no longer tracked
    const [done, count, ok] = await this.redis.hmget(`{${this.prefix}}:op:${compensationId}`, 'done', 'count', 'ok');
    expect({ done, count, ok }).toEqual({ done: '2', count: '2', ok: '2' });
    expect(await this.redis.zscore(`{${this.prefix}}:ops:rollouts`, id)).toBeNull();
    // events: one id per target, one per compensated target, one operation.completed (ROLLED_BACK)
    const expectedHooks = {
      ...Object.fromEntries(['0', '1', '2', '3', '4', '5'].map((i) => [`operation.target.completed ${i}`, 1])),
      'operation.target.completed 0/compensation SUCCEEDED': 1,
      'operation.target.completed 1/compensation SUCCEEDED': 1,
      'operation.completed ROLLED_BACK': 1,
    };
    await until('every event of the crash run delivered', () => Object.keys(this.webhookIdsOf(id, eventKey)).length >= 9, 30_000);
    expect(this.webhookIdsOf(id, eventKey)).toEqual(expectedHooks);
    return { op, restoring };
  };

  /** kill -9 of the worker (it must die by SIGKILL). */
  killWorker = async () => {
    const exit = await this.worker.kill9();
    expect(exit.signal).toBe('SIGKILL');
  };

  /** A new worker named `name`. */
  restartWorker = async (name: string) => {
    this.worker = await startWorker(this.env, name);
    this.mark(`${name} started`);
  };

  killAndRestart = async (name: string) => {
    await this.killWorker();
    await this.restartWorker(name);
  };
}
