/**
 * Real processes for the fault suites: the built gateway, worker and provider sandbox (`npm run build` → dist/), and
 * private redis-servers. Every process started here is killed in `stopAll()` (call it in afterAll) and, as a last
 * resort, by a synchronous SIGKILL on the test process's 'exit'.
 *
 * Debugging knobs: FAULTS_VERBOSE=1 (echo every process line and progress to stderr), FAULTS_LOG_DIR=<dir> (one log
 * file per process), FAULTS_KEEP_KEYS=1 (leave the suite's Redis keys), FAULTS_DIST=<dir> (run another build).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { waitFor } from '../../support/wait';

export const ROOT = resolve(__dirname, '..', '..', '..');
export const API_KEY = 'faults-admin-key-000000000001';
export const SANDBOX_GCORE_KEY = 'sandbox-gcore-key';
export const SANDBOX_APINIZER_TOKEN = 'sandbox-apinizer-token';
const MAX_LINES = 50_000;
const VERBOSE = process.env.FAULTS_VERBOSE === '1';
/** When set, every process's output also goes to `<dir>/<name>.log` (for debugging a failing suite). */
const LOG_DIR = process.env.FAULTS_LOG_DIR;
/** When '1', the suites leave their Redis keys behind (for debugging). */
export const KEEP_KEYS = process.env.FAULTS_KEEP_KEYS === '1';

export type AppName = 'gateway' | 'worker' | 'provider-sandbox';

const ENTRIES: AppName[] = ['gateway', 'worker', 'provider-sandbox'];
const entry = (dist: string, app: AppName) => join(dist, 'apps', app, 'src', 'main.js');
let snapshot: string | undefined;

/**
 * The build the suite runs: a private copy of dist/ taken on first use, so a rebuild during the run (`nest build`
 * deletes dist/ first) cannot pull files from under a process being (re)started, nor mix two builds. FAULTS_DIST
 * points at another build instead (used as is).
 */
export function distDir(): string {
  if (process.env.FAULTS_DIST) return resolve(process.env.FAULTS_DIST);
  if (snapshot) return snapshot;
  const dist = join(ROOT, 'dist');
  // a build in progress: wait (bounded) until the entries exist and nothing was written for a moment
  const deadline = Date.now() + 60_000;
  for (;;) {
    const complete = ENTRIES.every((app) => existsSync(entry(dist, app)));
    if (complete && Date.now() - newestMtime(dist) > 1500) break;
    if (Date.now() > deadline) {
      if (!complete) throw new Error(`${entry(dist, ENTRIES.find((app) => !existsSync(entry(dist, app)))!)} is missing: run "npm run build" first`);
      break;
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
  }
  const copy = tempDir('rpg-faults-dist-');
  cpSync(dist, copy, { recursive: true });
  for (const app of ENTRIES) if (!existsSync(entry(copy, app))) throw new Error(`dist/ changed while it was copied (${app} missing): run the suite again`);
  snapshot = copy;
  return copy;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    try {
      newest = Math.max(newest, statSync(join(dir, name)).mtimeMs);
    } catch {
      /* removed meanwhile */
    }
  }
  return newest;
}

export function appScript(app: AppName): string {
  return entry(distDir(), app);
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class Proc {
  readonly lines: string[] = [];
  readonly exited: Promise<Exit>;
  private exit?: Exit;
  private readonly watchers = new Set<(line: string) => void>();

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise<Exit>((r) =>
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        r(this.exit);
      }),
    );
    for (const stream of [child.stdout, child.stderr]) {
      let buffer = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          this.push(buffer.slice(0, nl));
          buffer = buffer.slice(nl + 1);
        }
      });
      stream?.on('end', () => buffer && this.push(buffer));
    }
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }
  get running(): boolean {
    return this.exit === undefined;
  }
  get exitInfo(): Exit | undefined {
    return this.exit;
  }

  private push(line: string): void {
    if (VERBOSE) process.stderr.write(`[${this.name}] ${line}\n`);
    if (LOG_DIR) {
      mkdirSync(LOG_DIR, { recursive: true });
      appendFileSync(join(LOG_DIR, `${this.name.replace(/[^\w.-]/g, '_')}.log`), line + '\n');
    }
    if (this.lines.length >= MAX_LINES) this.lines.splice(0, MAX_LINES / 10);
    this.lines.push(line);
    for (const w of this.watchers) w(line);
  }

  /** Resolves with the first line (already printed or to come) that matches. */
  waitForLine(pattern: RegExp | string, timeoutMs = 20_000): Promise<string> {
    const test = (line: string) => (typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line));
    const seen = this.lines.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<string>((resolveLine, reject) => {
      const timer = setTimeout(() => {
        this.watchers.delete(watcher);
        reject(new Error(`${this.name}: no line matching ${String(pattern)} within ${timeoutMs} ms; last lines:\n${this.tail(15)}`));
      }, timeoutMs);
      const watcher = (line: string) => {
        if (!test(line)) return;
        clearTimeout(timer);
        this.watchers.delete(watcher);
        resolveLine(line);
      };
      this.watchers.add(watcher);
      void this.exited.then((e) => {
        if (!this.watchers.has(watcher)) return;
        clearTimeout(timer);
        this.watchers.delete(watcher);
        reject(new Error(`${this.name} exited (${e.signal ?? e.code}) before printing ${String(pattern)}; last lines:\n${this.tail(15)}`));
      });
    });
  }

  tail(n = 20): string {
    return this.lines.slice(-n).map((l) => l.slice(0, 400)).join('\n');
  }

  /** JSON log lines (pino) of this process. */
  json(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const l of this.lines) {
      if (!l.startsWith('{')) continue;
      try {
        out.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        /* not JSON */
      }
    }
    return out;
  }

  /** kill -9: no shutdown hooks, no goodbye. */
  async kill9(): Promise<Exit> {
    if (this.running) this.child.kill('SIGKILL');
    return this.exited;
  }

  /** SIGTERM, then SIGKILL if it does not exit within `graceMs`. Resolves with how it ended. */
  async stop(graceMs = 10_000): Promise<Exit & { forced: boolean }> {
    if (!this.running) return { ...this.exit!, forced: false };
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
    const first = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (first !== 'timeout') return { ...first, forced: false };
    this.child.kill('SIGKILL');
    return { ...(await this.exited), forced: true };
  }
}

const live = new Set<Proc>();
const tempDirs = new Set<string>();
process.on('exit', () => {
  for (const p of live) if (p.running) p.child.kill('SIGKILL');
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** Spawns a command with exactly `env` (plus PATH/HOME), capturing its output line by line. */
export function spawnProcess(name: string, command: string, args: string[], env: Record<string, string | undefined>): Proc {
  const base: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'NODE_PATH']) if (process.env[k]) base[k] = process.env[k]!;
  const fullEnv: Record<string, string> = { ...base };
  // the apps may run from a copy of dist/ outside the repo: let them find the repo's node_modules
  fullEnv.NODE_PATH = [join(ROOT, 'node_modules'), base.NODE_PATH].filter(Boolean).join(':');
  for (const [k, v] of Object.entries(env)) if (v !== undefined) fullEnv[k] = v;
  const child = spawn(command, args, { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  const proc = new Proc(name, child);
  live.add(proc);
  void proc.exited.then(() => live.delete(proc));
  return proc;
}

export function spawnApp(name: string, app: AppName, env: Record<string, string | undefined>): Proc {
  return spawnProcess(name, process.execPath, [appScript(app)], env);
}

/** Kills (SIGKILL) every process still running that these helpers started, and removes their temp dirs. */
export async function stopAll(): Promise<void> {
  const procs = [...live];
  await Promise.all(procs.map((p) => p.kill9()));
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
  snapshot = undefined;
}

/** A port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise<number>((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export function tempDir(prefix = 'rpg-faults-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `fn` until it returns something truthy (the shared helper, with the label first). */
export function until<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 20_000, intervalMs = 100): Promise<T> {
  return waitFor(fn, timeoutMs, intervalMs, what);
}

/** Waits until GET `url` answers `status` (default 200). */
export async function waitForHttp(url: string, timeoutMs = 20_000, status = 200): Promise<void> {
  await until(`GET ${url} → ${status}`, async () => {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === status;
  }, timeoutMs, 100);
}

// ---------------------------------------------------------------- the three apps and Redis

export interface RedisServer {
  proc: Proc;
  port: number;
  dir: string;
  url: string;
  /** Starts redis-server again on the same port and dir (after a kill). */
  restart(): Promise<void>;
}

/** A private redis-server, append-only with fsync on every write (a kill -9 loses nothing that was acknowledged). */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = tempDir('rpg-faults-redis-');
  const launch = async () => {
    const proc = spawnProcess(`redis:${port}`, 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir, '--save', '', '--protected-mode', 'no'], {});
    await proc.waitForLine(/Ready to accept connections/, 15_000);
    return proc;
  };
  const server: RedisServer = {
    proc: await launch(),
    port,
    dir,
    url: `redis://127.0.0.1:${port}`,
    async restart() {
      if (server.proc.running) throw new Error('redis is still running');
      server.proc = await launch();
    },
  };
  return server;
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
export async function startRedisCluster(options: { masters?: number; replicas?: number; password?: string; nodeTimeoutMs?: number } = {}): Promise<RedisCluster> {
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
      const proc = spawnProcess(`redis-cluster:${port}`, 'redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'no', '--cluster-enabled', 'yes',
        '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', String(options.nodeTimeoutMs ?? 5000),
        '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...auth,
      ], {});
      await proc.waitForLine(/Ready to accept connections/, 15_000);
      return proc;
    }),
  );
  const cliAuth = options.password ? ['-a', options.password, '--no-auth-warning'] : [];
  const create = spawnProcess('redis-cli --cluster create', 'redis-cli', [
    ...cliAuth, '--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(replicas), '--cluster-yes',
  ], {});
  const exit = await create.exited;
  if (exit.code !== 0) throw new Error(`redis-cli --cluster create failed (${exit.signal ?? exit.code}):\n${create.tail(15)}`);
  const { default: RedisClient } = await import('ioredis');
  const node = async (port: number) => {
    const client = new RedisClient({ host: '127.0.0.1', port, password: options.password, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
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
    await until('cluster_state:ok on every node, replicas in sync', async () => {
      const infos = await Promise.all(clients.map((c) => c.cluster('INFO') as Promise<string>));
      const replication = await Promise.all(clients.map((c) => c.info('replication')));
      return (
        infos.every((i) => /^cluster_state:ok\s*$/m.test(i)) &&
        replication.filter((r) => /^role:slave/m.test(r)).length === masters * replicas &&
        replication.every((r) => !/^role:slave/m.test(r) || /^master_link_status:up/m.test(r))
      );
    }, 30_000, 100);
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
        slots: slots.filter((r) => !r.startsWith('[')).map((r) => { const [a, b = a] = r.split('-').map(Number); return [a, b] as [number, number]; }),
        failed: flagSet.has('fail') || flagSet.has('fail?'),
      };
    });
}

export interface Sandbox {
  proc: Proc;
  port: number;
  url: string;
  control<T = any>(method: string, path: string, body?: unknown): Promise<T>;
  restart(): Promise<void>;
}

export async function startSandbox(env: Record<string, string> = {}, port?: number): Promise<Sandbox> {
  const p = port ?? (await freePort());
  const url = `http://127.0.0.1:${p}`;
  const launch = async () => {
    const proc = spawnApp(`sandbox:${p}`, 'provider-sandbox', { SANDBOX_PORT: String(p), SANDBOX_STRICT: 'true', ...env });
    await proc.waitForLine('provider sandbox listening', 20_000);
    return proc;
  };
  const sandbox: Sandbox = {
    proc: await launch(),
    port: p,
    url,
    async control(method, path, body) {
      const res = await fetch(url + path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      if (res.status >= 400) throw new Error(`sandbox ${method} ${path} → ${res.status} ${text}`);
      return (text ? JSON.parse(text) : null) as never;
    },
    async restart() {
      if (sandbox.proc.running) throw new Error('sandbox is still running');
      sandbox.proc = await launch();
    },
  };
  return sandbox;
}

export interface StackOptions {
  redisUrl: string;
  sandboxUrl: string;
  /** Run on this Redis Cluster (REDIS_CLUSTER_NODES); `redisUrl` then only carries credentials. */
  cluster?: RedisCluster;
  /** Own key prefix per suite on the shared Redis. */
  prefix?: string;
  env?: Record<string, string>;
}

/** The environment of a gateway or worker of one suite. */
export function appEnv(options: StackOptions): Record<string, string> {
  return {
    NODE_ENV: 'test',
    REDIS_URL: options.redisUrl,
    ...(options.cluster ? { REDIS_CLUSTER_NODES: options.cluster.nodes } : {}),
    QUEUE_PREFIX: options.prefix ?? `f${randomBytes(4).toString('hex')}`,
    API_KEYS: `faults:${API_KEY}:*`,
    GCORE_API_URL: options.sandboxUrl,
    GCORE_API_KEY: SANDBOX_GCORE_KEY,
    APINIZER_API_URL: options.sandboxUrl,
    APINIZER_API_TOKEN: SANDBOX_APINIZER_TOKEN,
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    WEBHOOK_RETRY_DELAYS_MS: '200,500,1000,2000,2000,2000',
    GCORE_TASK_POLL_INITIAL_MS: '200',
    GCORE_TASK_POLL_MAX_MS: '400',
    GCORE_LOCK_WAIT_MS: '20000',
    RATE_LIMIT_PER_MINUTE: '1000000',
    WORKER_METRICS_PORT: '0',
    LOG_LEVEL: 'info',
    ...options.env,
  };
}

export interface Gateway {
  proc: Proc;
  port: number;
  url: string;
  env: Record<string, string>;
  /** Starts it again on the same port with the same environment. */
  restart(): Promise<void>;
}

export async function startGateway(env: Record<string, string>, port?: number): Promise<Gateway> {
  const p = port ?? (await freePort());
  const url = `http://127.0.0.1:${p}`;
  const launch = async () => {
    const proc = spawnApp(`gateway:${p}`, 'gateway', { ...env, PORT: String(p), HOST: '127.0.0.1' });
    await untilUpOrExit(proc, waitForHttp(`${url}/health/live`, 30_000));
    return proc;
  };
  const gateway: Gateway = {
    proc: await launch(),
    port: p,
    url,
    env,
    async restart() {
      if (gateway.proc.running) throw new Error('gateway is still running');
      gateway.proc = await launch();
    },
  };
  return gateway;
}

/** `ready`, unless the process exits first (then its last lines are in the error). */
async function untilUpOrExit(proc: Proc, ready: Promise<void>): Promise<void> {
  const died = proc.exited.then((e) => {
    throw new Error(`${proc.name} exited (${e.signal ?? e.code}) while starting; last lines:\n${proc.tail(15)}`);
  });
  died.catch(() => undefined);
  await Promise.race([ready, died]);
}

export async function startWorker(env: Record<string, string>, name = 'worker'): Promise<Proc> {
  const proc = spawnApp(name, 'worker', env);
  await proc.waitForLine('worker started', 30_000);
  return proc;
}

// ---------------------------------------------------------------- HTTP against a gateway

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** One call to the gateway's API with the suite's admin key. */
export async function api<T = any>(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = 15_000): Promise<ApiResponse<T>> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

export const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'PARTIALLY_SUCCEEDED']);

/** Waits until every operation is terminal (reading them in batches); returns them by id. */
export async function waitForTerminal(base: string | (() => string), ids: string[], timeoutMs: number): Promise<Map<string, any>> {
  const done = new Map<string, any>();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const pending = ids.filter((id) => !done.has(id));
    if (pending.length === 0) return done;
    const url = typeof base === 'string' ? base : base();
    for (let i = 0; i < pending.length; i += 25) {
      const batch = await Promise.all(pending.slice(i, i + 25).map((id) => api(url, 'GET', `/v1/operations/${id}`).catch(() => undefined)));
      for (const res of batch) if (res?.status === 200 && TERMINAL.has(res.body.status)) done.set(res.body.id, res.body);
    }
    if (done.size < ids.length) await sleep(250);
  }
  const missing = ids.filter((id) => !done.has(id));
  throw new Error(`${missing.length} of ${ids.length} operations not terminal within ${timeoutMs} ms, e.g. ${missing.slice(0, 5).join(', ')}`);
}

export const SEED = {
  projectId: 1,
  regionId: 76,
  lbWeb: 'a1b2c3d4-0000-4000-8000-000000000001',
  lbApi: 'a1b2c3d4-0000-4000-8000-000000000002',
  l7: (n: number): string => `d1b2c3d4-0000-4000-8000-${String(n).padStart(12, '0')}`,
};
export const l7Target = (n: number) => ({ provider: 'gcore', kind: 'l7policy', projectId: SEED.projectId, regionId: SEED.regionId, id: SEED.l7(n) });
export const lbTarget = (id: string) => ({ provider: 'gcore', kind: 'loadbalancer', projectId: SEED.projectId, regionId: SEED.regionId, id });
export const apinizerTarget = (policyName: string, apiProxyName = 'petstore') => ({ provider: 'apinizer', kind: 'policy', projectName: 'demo', apiProxyName, policyName });

// ---------------------------------------------------------------- a webhook endpoint

export interface ReceivedHook {
  /** Path and query it was sent to. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: any;
  at: number;
}

/** A local webhook endpoint answering 200 (or what `respond` says). */
export async function startReceiver(respond: (hook: ReceivedHook) => number = () => 200): Promise<{ url: string; received: ReceivedHook[]; close(): Promise<void> }> {
  const { createServer: createHttpServer } = await import('node:http');
  const received: ReceivedHook[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        /* not JSON */
      }
      const hook: ReceivedHook = { path: req.url ?? '', headers: req.headers, body, json, at: Date.now() };
      received.push(hook);
      res.writeHead(respond(hook));
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Deletes every key under `{prefix}` on a Redis (the suites' own data on the shared Redis). */
export async function deletePrefix(redisUrl: string, prefix: string): Promise<void> {
  if (KEEP_KEYS) return;
  const { default: Redis } = await import('ioredis');
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } catch {
    /* best effort */
  } finally {
    redis.disconnect();
  }
}
