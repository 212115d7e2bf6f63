import { Webhook } from 'standardwebhooks';
import { startReceiver } from '../support/receiver';
import { apinizerTarget, l7Target } from '../support/targets';
import { until } from '../support/wait';
import { API_KEY, api, waitForTerminal } from './support/api';
import { Gateway, Sandbox, appEnv, startGateway, startSandbox, startWorker } from './support/apps';
import { Proc, freePort, spawnApp, stopAll } from './support/processes';
import { RedisCluster, startRedisCluster } from './support/redis';

const PASSWORD = 'cluster-secret-0001';

/** Every key on one node (the cluster is private to this suite), by SCAN: a cluster node only lists its own slots. */
async function keysOn(cluster: RedisCluster, port: number): Promise<string[]> {
  const node = await cluster.node(port);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  } finally {
    node.disconnect();
  }
}

describe('Redis Cluster: gateway and worker on 3 masters with a replica each', () => {
  const prefix = `fcl${Date.now().toString(36)}`;
  let cluster: RedisCluster;
  let sandbox: Sandbox;
  let gateway: Gateway;
  let worker: Proc;
  let env: Record<string, string>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  /** The subscription and the first operation of the suite, for the later tests. */
  let subscription: { id: string; secret: string };
  let firstOperationId: string;

  beforeAll(async () => {
    [cluster, sandbox, receiver] = await Promise.all([
      startRedisCluster({ masters: 3, replicas: 1, password: PASSWORD, nodeTimeoutMs: 1000 }),
      startSandbox({ SANDBOX_TASK_DURATION_MS: '600', SANDBOX_APINIZER_LIST_MODE: 'status' }),
      startReceiver(),
    ]);
    // REDIS_URL names a port nobody listens on: in cluster mode it only lends its password, so a connection that
    // ignored REDIS_CLUSTER_NODES would fail loudly instead of quietly working against one node
    const unused = await freePort();
    env = appEnv({ redisUrl: `redis://:${PASSWORD}@127.0.0.1:${unused}`, sandboxUrl: sandbox.url, prefix, cluster });
    [worker, gateway] = await Promise.all([startWorker(env), startGateway(env)]);
  }, 120_000);

  afterAll(async () => {
    await receiver?.close();
    await stopAll();
  });

  it('runs an update across Gcore and Apinizer to SUCCEEDED, with live status and a signed operation.completed', async () => {
    const sub = await api(gateway.url, 'POST', '/v1/webhook-subscriptions', { url: receiver.url, events: ['operation.completed'] });
    expect(sub.status).toBe(201);
    const secret: string = sub.body.secret;
    expect(secret).toMatch(/^whsec_/);
    subscription = { id: sub.body.id, secret };

    // Prefer: wait answers once the worker's transitions are PUBLISHed: pub/sub crosses the cluster (the subscriber
    // connection sits on whichever node ioredis picked, the script publishes on the slot's owner)
    const updates = [
      { target: l7Target(1), changes: { name: 'on-the-cluster' } },
      { target: apinizerTarget('rate-limit'), changes: { policy: { messageCountForInterval: 321 } } },
    ];
    const res = await api(
      gateway.url,
      'POST',
      '/v1/routing-policy-updates',
      { updates, callbackUrl: `${receiver.url}?callback` },
      { prefer: 'wait=20' },
      25_000,
    );
    expect([200, 202]).toContain(res.status);
    const id: string = res.body.id;
    firstOperationId = id;
    expect(res.status).toBe(200); // finished within the wait: the change notification arrived
    expect(res.body.status).toBe('SUCCEEDED');

    const op = await api(gateway.url, 'GET', `/v1/operations/${id}`);
    expect(op.status).toBe(200);
    expect(op.body.status).toBe('SUCCEEDED');
    expect(op.body.results.map((r: { status: string }) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(op.body.results[0].gcore.tasks.every((t: { state: string }) => t.state === 'FINISHED')).toBe(true);
    expect((await sandbox.control('GET', `/__sandbox/state/l7policies/${l7Target(1).id}`)).name).toBe('on-the-cluster');

    // one operation.completed to the subscription, one to the operation's callbackUrl (a delivery without a
    // subscription list: the script's "none" key must still be in the slot), each signed with its own secret
    const completed = (path: string) => receiver.received.find((h) => h.json?.type === 'operation.completed' && h.json?.data?.id === id && h.path === path);
    const [toSub, toCallback] = await Promise.all([
      until('operation.completed delivered to the subscription', () => completed('/hook'), 20_000),
      until('operation.completed delivered to the callbackUrl', () => completed('/hook?callback'), 20_000),
    ]);
    for (const [hook, key] of [
      [toSub, secret],
      [toCallback, res.body.callbackSecret as string],
    ] as const) {
      const headers = {
        'webhook-id': String(hook.headers['webhook-id']),
        'webhook-timestamp': String(hook.headers['webhook-timestamp']),
        'webhook-signature': String(hook.headers['webhook-signature']),
      };
      const verified = new Webhook(key).verify(hook.body, headers) as { type: string; data: { id: string; status: string } };
      expect(verified.type).toBe('operation.completed');
      expect(verified.data).toMatchObject({ id, status: 'SUCCEEDED' });
      expect(() => new Webhook(key).verify(hook.body.replace('SUCCEEDED', 'SUCCEEDEd'), headers)).toThrow();
    }

    // the delivery record, written by the worker's fan-out script (lane and list keys declared in the slot)
    const deliveries = await api(gateway.url, 'GET', `/v1/webhook-subscriptions/${sub.body.id}/deliveries`);
    expect(deliveries.status).toBe(200);
    expect(JSON.stringify(deliveries.body)).toContain(toSub.json.id);

    // webhook.test: a delivery without a lane (no operation)
    const ping = await api(gateway.url, 'POST', `/v1/webhook-subscriptions/${sub.body.id}/test`);
    expect(ping.status).toBeLessThan(300);
    await until('webhook.test delivered', () => receiver.received.find((h) => h.json?.type === 'webhook.test'), 20_000);
  }, 90_000);

  it('answers readiness, metrics and Bull Board from the cluster', async () => {
    const ready = await api(gateway.url, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info).toMatchObject({ redis: { status: 'up' }, queues: { status: 'up' } });
    const metrics = await fetch(`${gateway.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/queue_jobs\{[^}]*queue="provider-calls"/);
    const board = await api(gateway.url, 'GET', '/admin/queues/api/queues', undefined, { authorization: `Bearer ${API_KEY}` });
    expect(board.status).toBe(200);
    expect(board.body.queues.map((q: { name: string }) => q.name).sort()).toEqual([
      'gcore-tasks',
      'maintenance',
      'provider-calls',
      'rollouts',
      'webhook-deliveries',
      'webhook-events',
    ]);
  });

  it('keeps every key in the one slot of the {prefix} hash tag, on the master that owns it', async () => {
    const { master } = await cluster.ownerOf(`{${prefix}}`);
    const masters = (await cluster.topology()).filter((n) => n.role === 'master').map((n) => n.port);
    expect(masters).toHaveLength(3);
    const mine = await keysOn(cluster, master.port);
    // operations and their indexes, BullMQ queues, rate-limit counters, subscriptions, deliveries and Gcore task records
    // all sit on the owner (lanes are gone once empty)
    for (const part of [
      'op:',
      'ops:index',
      'ops:status:',
      'provider-calls:',
      'gcore-tasks:',
      'webhook-events:',
      'webhook-deliveries:',
      'throttle:',
      'dlv:',
      'whsub:',
      'whsubs',
      'task:',
    ]) {
      expect({ part, present: mine.some((k) => k.startsWith(`{${prefix}}:${part}`)) }).toEqual({ part, present: true });
    }
    expect(mine.filter((k) => !k.startsWith(`{${prefix}}`))).toEqual([]);
    // and the other masters hold nothing at all
    for (const port of masters.filter((p) => p !== master.port)) expect({ port, keys: await keysOn(cluster, port) }).toEqual({ port, keys: [] });
  });

  it('kill -9 of the master holding the slot: its replica takes over and work goes on', async () => {
    const before = await cluster.ownerOf(`{${prefix}}`);
    expect(before.replicas).toHaveLength(1);
    await cluster.proc(before.master.port).kill9();
    const after = await until(
      'the replica serves the slot',
      async () => {
        const owner = await cluster.ownerOf(`{${prefix}}`).catch(() => undefined);
        return owner && owner.master.port !== before.master.port ? owner : undefined;
      },
      20_000,
      200,
    );
    expect(after.master.port).toBe(before.replicas[0].port);

    // until the clients have found the new master the gateway may answer 503 (fail-fast, nothing stored), never
    // anything else; then an update goes through end to end again: accepted, executed by the worker, its webhook delivered
    const statuses = new Set<number>();
    const res = await until(
      'an update accepted after the failover',
      async () => {
        const r = await api(gateway.url, 'POST', '/v1/routing-policy-updates', { updates: [{ target: l7Target(2), changes: { name: 'after-failover' } }] });
        statuses.add(r.status);
        return r.status === 202 ? r : undefined;
      },
      20_000,
      250,
    );
    expect([...statuses].filter((s) => s !== 202 && s !== 503)).toEqual([]);
    const ops = await waitForTerminal(gateway.url, [res.body.id], 20_000);
    expect(ops.get(res.body.id).status).toBe('SUCCEEDED');
    const hook = await until(
      'operation.completed after the failover',
      () => receiver.received.find((h) => h.json?.type === 'operation.completed' && h.json?.data?.id === res.body.id && h.path === '/hook'),
      20_000,
    );
    const headers = {
      'webhook-id': String(hook.headers['webhook-id']),
      'webhook-timestamp': String(hook.headers['webhook-timestamp']),
      'webhook-signature': String(hook.headers['webhook-signature']),
    };
    expect(() => new Webhook(subscription.secret).verify(hook.body, headers)).not.toThrow();
    // what was written before the kill was replicated: the first operation is still readable
    const first = await api(gateway.url, 'GET', `/v1/operations/${firstOperationId}`);
    expect({ status: first.status, op: first.body.status }).toEqual({ status: 200, op: 'SUCCEEDED' });
    await until('ready again', async () => (await api(gateway.url, 'GET', '/health/ready')).status === 200, 10_000, 200);
    expect((await keysOn(cluster, after.master.port)).some((k) => k === `{${prefix}}:op:${res.body.id}`)).toBe(true);
  }, 120_000);

  it('refuses to start on a bad REDIS_CLUSTER_NODES or an unreachable cluster, with one line', async () => {
    const bad = spawnApp('gateway-bad-nodes', 'gateway', { ...env, REDIS_CLUSTER_NODES: '127.0.0.1' });
    const dead = await freePort();
    const unreachable = spawnApp('worker-no-cluster', 'worker', { ...env, REDIS_CLUSTER_NODES: `127.0.0.1:${dead}` });
    const [badExit, unreachableExit] = await Promise.all([bad.exited, unreachable.exited]);
    expect(badExit.code).toBe(1);
    expect(bad.lines.filter(Boolean)).toEqual(['Invalid configuration: REDIS_CLUSTER_NODES must be comma-separated host:port seed nodes (got "127.0.0.1")']);
    expect(unreachableExit.code).toBe(1);
    expect(unreachable.lines.filter(Boolean)).toHaveLength(1);
    expect(unreachable.lines.filter(Boolean)[0]).toMatch(new RegExp(`^Redis Cluster is not reachable .*127\\.0\\.0\\.1:${dead}`));
  }, 60_000);

  it('shuts down on SIGTERM within the deadline, without errors, closing its cluster connections', async () => {
    const live = cluster.ports.filter((p) => cluster.proc(p).running);
    const probe = await cluster.node(live[0]);
    const clientsOnCluster = async () => {
      let n = 0;
      for (const port of cluster.ports.filter((p) => cluster.proc(p).running)) {
        const node = port === live[0] ? probe : await cluster.node(port);
        // normal clients: not replication links
        n += ((await node.client('LIST')) as string).split('\n').filter((l) => / flags=N /.test(l) && !/ cmd=client\|list /.test(l)).length;
        if (node !== probe) node.disconnect();
      }
      return n;
    };
    expect(await clientsOnCluster()).toBeGreaterThan(0);
    const [w, g] = await Promise.all([worker.stop(15_000), gateway.proc.stop(15_000)]);
    for (const exit of [w, g]) {
      expect(exit.forced).toBe(false);
      expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true); // Nest re-raises the signal after its hooks
    }
    for (const proc of [worker, gateway.proc]) expect(proc.json().filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
    // nothing of theirs is left connected to any node
    expect(await until('no client left', async () => (await clientsOnCluster()) === 0 || undefined, 5_000)).toBe(true);
    probe.disconnect();
  }, 60_000);
});
