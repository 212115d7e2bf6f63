/** The three apps as real processes: the provider sandbox, gateways and workers, and the environment they share. */
import { randomBytes } from 'node:crypto';
import { API_KEY } from './api';
import { Proc, Restartable, freePort, restartable, spawnApp, waitForHttp } from './processes';
import type { RedisCluster } from './redis';

/** The ceiling for a process to come up (scaled by TEST_TIME_SCALE): a Node process on a busy machine can take half a minute. */
const START_MS = 90_000;

export const SANDBOX_GCORE_KEY = 'sandbox-gcore-key';
export const SANDBOX_APINIZER_TOKEN = 'sandbox-apinizer-token';

export interface Sandbox extends Restartable {
  port: number;
  url: string;
  control<T = any>(method: string, path: string, body?: unknown): Promise<T>;
}

export async function startSandbox(env: Record<string, string> = {}, port?: number): Promise<Sandbox> {
  const p = port ?? (await freePort());
  const url = `http://127.0.0.1:${p}`;
  const launch = async () => {
    const proc = spawnApp(`sandbox:${p}`, 'provider-sandbox', { SANDBOX_PORT: String(p), SANDBOX_STRICT: 'true', ...env });
    await proc.waitForLine('provider sandbox listening', START_MS);
    return proc;
  };
  return restartable('sandbox', launch, {
    port: p,
    url,
    async control<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await fetch(url + path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status >= 400) throw new Error(`sandbox ${method} ${path} → ${res.status} ${text}`);
      return (text ? JSON.parse(text) : null) as T;
    },
  });
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

/** `restart()` starts it again on the same port with the same environment. */
export interface Gateway extends Restartable {
  port: number;
  url: string;
  env: Record<string, string>;
}

export async function startGateway(env: Record<string, string>, port?: number): Promise<Gateway> {
  const p = port ?? (await freePort());
  const url = `http://127.0.0.1:${p}`;
  const launch = async () => {
    const proc = spawnApp(`gateway:${p}`, 'gateway', { ...env, PORT: String(p), HOST: '127.0.0.1' });
    await untilUpOrExit(proc, waitForHttp(`${url}/health/live`, START_MS));
    return proc;
  };
  return restartable('gateway', launch, { port: p, url, env });
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
  await proc.waitForLine('worker started', START_MS);
  return proc;
}

/** A suite's sandbox, gateway and one worker whose metrics are served (`workerMetrics`: its /metrics URL). */
export interface MeteredStack {
  sandbox: Sandbox;
  gateway: Gateway;
  worker: Proc;
  workerMetrics: string;
}

/** Starts the sandbox (with `sandboxEnv`), then a gateway and a worker on `options`, the worker's metrics on a port of its own. */
export async function startMeteredStack(options: Omit<StackOptions, 'sandboxUrl'>, sandboxEnv: Record<string, string>): Promise<MeteredStack> {
  const sandbox = await startSandbox(sandboxEnv);
  const metricsPort = await freePort();
  const env = appEnv({ ...options, sandboxUrl: sandbox.url });
  const [gateway, worker] = await Promise.all([startGateway(env), startWorker({ ...env, WORKER_METRICS_PORT: String(metricsPort) })]);
  return { sandbox, gateway, worker, workerMetrics: `http://127.0.0.1:${metricsPort}/metrics` };
}
