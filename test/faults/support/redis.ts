/** Private redis-servers for the fault suites (single node and cluster), and cleaning a suite's keys off the shared Redis. */
import type Redis from 'ioredis';
import { deleteKeys } from '../../support/redis-keys';
import { until } from '../../support/wait';
import { Proc, Restartable, freePort, restartable, spawnProcess, tempDir } from './processes';

/** When '1', the suites leave their Redis keys behind (for debugging). */
export const KEEP_KEYS = process.env.FAULTS_KEEP_KEYS === '1';

/** `restart()` starts redis-server again on the same port and dir (after a kill). */
export interface RedisServer extends Restartable {
  port: number;
  dir: string;
  url: string;
}

/** A private redis-server, append-only with fsync on every write (a kill -9 loses nothing that was acknowledged). */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = tempDir('rpg-faults-redis-');
  const launch = async () => {
    const proc = spawnProcess(
      `redis:${port}`,
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir, '--save', '', '--protected-mode', 'no'],
      {},
    );
    await proc.waitForLine(/Ready to accept connections/, 60_000);
    return proc;
  };
  return restartable('redis', launch, { port, dir, url: `redis://127.0.0.1:${port}` });
}

export interface ClusterNode {
  id: string;
  port: number;
  role: 'master' | 'replica';
  /** For a replica: the id of its master. */
  masterId?: string;
  /** Slot ranges a master serves, inclusive. */
  slots: [number, number][];
  /** Marked failed (`fail` / `fail?`) by the node asked. */
  failed: boolean;
}

export interface RedisCluster {
  /** Every redis-server, in `ports` order. */
  procs: Proc[];
  ports: number[];
  dir: string;
  /** `REDIS_CLUSTER_NODES` for the apps: every node as a seed. */
  nodes: string;
  /** Set when the nodes require it (`requirepass`): the apps get it through REDIS_URL's userinfo. */
  password?: string;
  /** A single-node client of one node (for checks that must look at each node: SCAN, CLIENT LIST, CLUSTER). */
  node(port: number): Promise<Redis>;
  proc(port: number): Proc;
  /** The cluster as a running node sees it (CLUSTER NODES), failed nodes included. */
  topology(): Promise<ClusterNode[]>;
  /** The master serving the slot of `key` now, and its replicas. */
  ownerOf(key: string): Promise<{ master: ClusterNode; replicas: ClusterNode[] }>;
}

/**
 * A private Redis Cluster of `masters` masters with `replicas` replicas each (nothing persisted) on free ports:
 * started, joined with `redis-cli --cluster create`, and returned once every node reports cluster_state:ok and every
 * replica is in sync. `nodeTimeoutMs` (cluster-node-timeout) bounds how fast a dead master is replaced. Stopped by
 * `stopAll()`.
 */
export async function startRedisCluster(
  options: { masters?: number; replicas?: number; password?: string; nodeTimeoutMs?: number } = {},
): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 0;
  const dir = tempDir('rpg-faults-cluster-');
  const ports: number[] = [];
  while (ports.length < masters * (1 + replicas)) {
    const port = await freePort();
    // a cluster node also listens on port + 10000 (the cluster bus): both must be free
    if (port <= 55535 && !ports.includes(port)) ports.push(port);
  }
  const auth = options.password ? ['--requirepass', options.password, '--masterauth', options.password] : [];
  const procs = await Promise.all(
    ports.map(async (port) => {
      const proc = spawnProcess(
        `redis-cluster:${port}`,
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--protected-mode',
          'no',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          String(options.nodeTimeoutMs ?? 5000),
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          'no',
          '--daemonize',
          'no',
          ...auth,
        ],
        {},
      );
      await proc.waitForLine(/Ready to accept connections/, 60_000);
      return proc;
    }),
  );
  const cliAuth = options.password ? ['-a', options.password, '--no-auth-warning'] : [];
  const create = spawnProcess(
    'redis-cli --cluster create',
    'redis-cli',
    [...cliAuth, '--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(replicas), '--cluster-yes'],
    {},
  );
  const exit = await create.exited;
  if (exit.code !== 0) throw new Error(`redis-cli --cluster create failed (${exit.signal ?? exit.code}):\n${create.tail(15)}`);
  const { default: RedisClient } = await import('ioredis');
  const node = async (port: number) => {
    const client = new RedisClient({
      host: '127.0.0.1',
      port,
      password: options.password,
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };
  const proc = (port: number) => procs[ports.indexOf(port)];
  const topology = async (): Promise<ClusterNode[]> => {
    const live = ports.find((p) => proc(p).running);
    if (live === undefined) throw new Error('no cluster node is running');
    const client = await node(live);
    try {
      return parseClusterNodes((await client.cluster('NODES')) as string);
    } finally {
      client.disconnect();
    }
  };
  const ownerOf = async (key: string) => {
    const client = await node(ports.find((p) => proc(p).running)!);
    const slot = Number(await client.cluster('KEYSLOT', key));
    client.disconnect();
    const all = await topology();
    const master = all.find((n) => n.role === 'master' && !n.failed && n.slots.some(([a, b]) => slot >= a && slot <= b));
    if (!master) throw new Error(`no live master serves slot ${slot}`);
    return { master, replicas: all.filter((n) => n.masterId === master.id) };
  };
  const clients = await Promise.all(ports.map(node));
  try {
    // the nodes learn the slot map from each other over the bus: only then does every one of them serve every slot
    await until(
      'cluster_state:ok on every node, replicas in sync',
      async () => {
        const infos = await Promise.all(clients.map((c) => c.cluster('INFO')));
        const replication = await Promise.all(clients.map((c) => c.info('replication')));
        return (
          infos.every((i) => /^cluster_state:ok\s*$/m.test(i)) &&
          replication.filter((r) => /^role:slave/m.test(r)).length === masters * replicas &&
          replication.every((r) => !/^role:slave/m.test(r) || /^master_link_status:up/m.test(r))
        );
      },
      30_000,
      100,
    );
  } finally {
    for (const c of clients) c.disconnect();
  }
  return { procs, ports, dir, nodes: ports.map((p) => `127.0.0.1:${p}`).join(','), password: options.password, node, proc, topology, ownerOf };
}

function parseClusterNodes(text: string): ClusterNode[] {
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const [id, address, flags, masterId, , , , , ...slots] = line.trim().split(' ');
      const flagSet = new Set(flags.split(','));
      return {
        id,
        port: Number(address.split('@')[0].split(':').pop()),
        role: flagSet.has('master') ? 'master' : 'replica',
        masterId: masterId === '-' ? undefined : masterId,
        slots: slots
          .filter((r) => !r.startsWith('['))
          .map((r) => {
            const [a, b = a] = r.split('-').map(Number);
            return [a, b] as [number, number];
          }),
        failed: flagSet.has('fail') || flagSet.has('fail?'),
      };
    });
}
/** Deletes every key under `{prefix}` on a Redis (the suites' own data on the shared Redis). */
export async function deletePrefix(redisUrl: string, prefix: string): Promise<void> {
  if (KEEP_KEYS) return;
  const { default: RedisClient } = await import('ioredis');
  const redis = new RedisClient(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await deleteKeys(redis, `{${prefix}}*`);
  } catch {
    /* best effort */
  } finally {
    redis.disconnect();
  }
}
