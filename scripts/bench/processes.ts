/**
 * The processes a bench run starts and stops: a private Redis (when `redis-server` is on the PATH; else BENCH_REDIS_URL
 * / REDIS_URL with a unique key prefix), the provider sandbox (scripts/bench/sandbox-host), a bare Fastify baseline,
 * the plain NestJS peer (scripts/bench/peer-server: its keys under `{prefix}:peer`), the gateway and ONE worker, all
 * from dist/, plus the BullMQ queue handles the scenarios pause, resume and count. A second gateway runs with tracing
 * on (OTEL_EXPORTER_OTLP_ENDPOINT: a local OTLP sink answering 200 to every export), same Redis and keys, for scenario 1.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Server, createServer } from 'node:http';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BenchHttp } from './http';
import { Child, canConnect, freePort, spawnCmd, spawnNode, stopChild, tailOf, waitFor } from './lib';
import { updateBody } from './operations';
import { BenchOptions } from './options';
import { WORKER_NODE_FLAGS } from '../node-flags';

/**
 * The gateway's per-API-key limit (RATE_LIMIT_PER_MINUTE, the largest its config takes): out of the way of a load test,
 * where a 429 would measure the limiter instead of the accept path. Everything else runs with its defaults.
 */
export const BENCH_RATE_LIMIT_PER_MINUTE = 100_000_000;

export type QueueName = 'provider-calls' | 'gcore-tasks' | 'webhook-events' | 'webhook-deliveries';
const QUEUE_NAMES: QueueName[] = ['provider-calls', 'gcore-tasks', 'webhook-events', 'webhook-deliveries'];

/** Where the HTTP processes listen (ports picked before anything starts). */
export interface Endpoints {
  sandboxPort: number;
  barePort: number;
  peerPort: number;
  gatewayPort: number;
  tracedGatewayPort: number;
  otlpSinkPort: number;
  receiverPort: number;
  sandbox: string;
  bare: string;
  peer: string;
  gateway: string;
  /** The gateway with tracing on. */
  tracedGateway: string;
  /** Where it exports its spans (OTLP/HTTP). */
  otlpSink: string;
  receiver: string;
}

export async function pickEndpoints(): Promise<Endpoints> {
  const [sandboxPort, barePort, peerPort, gatewayPort, receiverPort, tracedGatewayPort, otlpSinkPort] = await Promise.all(
    Array.from({ length: 7 }, () => freePort()),
  );
  const url = (port: number): string => `http://127.0.0.1:${port}`;
  return {
    sandboxPort,
    barePort,
    peerPort,
    gatewayPort,
    tracedGatewayPort,
    otlpSinkPort,
    receiverPort,
    sandbox: url(sandboxPort),
    bare: url(barePort),
    peer: url(peerPort),
    gateway: url(gatewayPort),
    tracedGateway: url(tracedGatewayPort),
    otlpSink: url(otlpSinkPort),
    receiver: url(receiverPort),
  };
}

export interface StackSettings {
  options: BenchOptions;
  endpoints: Endpoints;
  http: BenchHttp;
  logDir: string;
  /** QUEUE_PREFIX of the gateway and worker; every key of the run starts with `{prefix}`. */
  prefix: string;
  apiKey: string;
  relaySecret: string;
  /** How many extra L7 policies the sandbox seeds (every operation of the run gets its own). */
  policies: number;
}

/** The started stack, as the scenarios use it. */
export interface RunningStack {
  redisUrl: string;
  privateRedis: boolean;
  redis: Redis;
  prefix: string;
  queues: Record<QueueName, Queue>;
  worker: Child;
  gateway: Child;
  /** The same gateway with tracing on (exporting to the OTLP sink); started when scenario 1 runs. */
  tracedGateway?: Child;
  /** What the OTLP sink was sent: export requests and bytes. */
  otlpSink: { requests: number; bytes: number };
  /** Every child process, for CPU meters and log tails. */
  children: readonly Child[];
  /** Where the gateway writes its CPU profile (--profile). */
  cpuProfileFile: string;
  /** Where the gateway writes its event-loop delay and GC pauses between two SIGUSR2 (pause-meter-preload). */
  pausesFile: string;
}

export class BenchStack {
  readonly children: Child[] = [];
  private readonly queues: Queue[] = [];
  private redis: Redis | undefined;
  private sink: Server | undefined;
  private privateRedis = false;
  private stopping = false;

  /** `onUnexpectedExit` runs when a child dies before stop(): the run cannot go on. */
  constructor(
    private readonly settings: StackSettings,
    private readonly onUnexpectedExit: () => void,
  ) {}

  async start(): Promise<RunningStack> {
    const { options, endpoints, http, logDir, prefix } = this.settings;
    const { redisUrl, redis } = await this.startRedis();
    const dist = options.distDir;

    const sandbox = spawnNode(
      'sandbox',
      join(dist, 'scripts/bench/sandbox-host.js'),
      {
        ...process.env,
        SANDBOX_PORT: String(endpoints.sandboxPort),
        BENCH_L7_POLICIES: String(this.settings.policies),
        SANDBOX_LATENCY_MS: String(options.sandboxLatencyMs),
      },
      logDir,
    );
    const bare = spawnNode('bare-fastify', join(dist, 'scripts/bench/bare-server.js'), { ...process.env, BARE_PORT: String(endpoints.barePort) }, logDir);
    const peerEnv = { ...process.env, NODE_ENV: 'production', PEER_PORT: String(endpoints.peerPort), REDIS_URL: redisUrl, PEER_PREFIX: `{${prefix}}:peer` };
    const peer = spawnNode('nest-peer', join(dist, 'scripts/bench/peer-server.js'), peerEnv, logDir);
    this.adopt(sandbox, bare, peer);
    await waitFor('sandbox', async () => (await http.sandbox('GET', '/__sandbox/config')).status === 200, 15_000, 100);

    const worker = spawnNode('worker', join(dist, 'apps/worker/src/main.js'), this.appEnv(redisUrl, {}), logDir, [...WORKER_NODE_FLAGS]);
    const cpuProfileFile = join(logDir, 'gateway.cpuprofile');
    const pausesFile = join(logDir, 'gateway.pauses.json');
    const gateway = spawnNode(
      'gateway',
      join(dist, 'apps/gateway/src/main.js'),
      this.appEnv(redisUrl, { PORT: String(endpoints.gatewayPort), HOST: '127.0.0.1', BENCH_CPU_PROFILE: cpuProfileFile, BENCH_PAUSES_FILE: pausesFile }),
      logDir,
      [
        ...(process.env.BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
        ...(options.profile ? ['-r', join(dist, 'scripts/bench/profile-preload.js')] : []),
        '-r',
        join(dist, 'scripts/bench/pause-meter-preload.js'),
      ],
    );
    // scenario 1 only: the gateway with tracing on, exporting to a local OTLP sink
    const withTracing = options.enabled('1');
    const otlpSink = withTracing ? await this.startOtlpSink(endpoints.otlpSinkPort) : { requests: 0, bytes: 0 };
    const tracedGateway = withTracing
      ? spawnNode(
          'gateway-traced',
          join(dist, 'apps/gateway/src/main.js'),
          this.appEnv(redisUrl, {
            PORT: String(endpoints.tracedGatewayPort),
            HOST: '127.0.0.1',
            OTEL_EXPORTER_OTLP_ENDPOINT: endpoints.otlpSink,
            OTEL_SERVICE_NAME: 'rpg-gateway-bench',
          }),
          logDir,
          [...(process.env.BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
        )
      : undefined;
    this.adopt(worker, gateway, ...(tracedGateway ? [tracedGateway] : []));
    await waitFor('gateway /health/ready', async () => (await http.request('GET', `${endpoints.gateway}/health/ready`)).status === 200, 60_000, 200);
    if (tracedGateway)
      await waitFor(
        'traced gateway /health/ready',
        async () => (await http.request('GET', `${endpoints.tracedGateway}/health/ready`)).status === 200,
        60_000,
        200,
      );
    const bareUp = async (): Promise<boolean> => (await http.request('POST', `${endpoints.bare}/v1/routing-policy-updates`, '{"updates":[]}')).status === 202;
    await waitFor('bare fastify', bareUp, 10_000, 100);
    await waitFor('nest peer', () => this.peerUp(), 20_000, 100);

    const queues = this.openQueues(redisUrl, prefix);
    // the worker has no port: it is up when every queue has a BullMQ worker connected
    await waitFor(
      'worker',
      async () => {
        for (const q of Object.values(queues)) if ((await q.getWorkersCount()) < 1) return false;
        return true;
      },
      60_000,
      200,
    );
    const children = this.children;
    return { redisUrl, privateRedis: this.privateRedis, redis, prefix, queues, worker, gateway, tracedGateway, otlpSink, children, cpuProfileFile, pausesFile };
  }

  /** Closes the queues, removes the run's keys from a shared Redis and stops the children (gateway first). */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const q of this.queues) await q.close().catch(() => undefined);
    if (this.redis && !this.privateRedis) await this.removeKeys(this.redis);
    this.redis?.disconnect();
    const order = ['gateway', 'gateway-traced', 'worker', 'sandbox', 'nest-peer', 'bare-fastify', 'redis'];
    for (const name of order) for (const c of this.children.filter((x) => x.name === name)) await stopChild(c);
    await new Promise<void>((r) => (this.sink ? this.sink.close(() => r()) : r()));
  }

  /** A tiny OTLP/HTTP endpoint: reads each export and answers 200 (counted, never decoded). */
  private async startOtlpSink(port: number): Promise<{ requests: number; bytes: number }> {
    const seen = { requests: 0, bytes: 0 };
    this.sink = createServer((req, res) => {
      seen.requests++;
      req.on('data', (c: Buffer) => (seen.bytes += c.length));
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((r) => this.sink!.listen(port, '127.0.0.1', r));
    return seen;
  }

  /**
   * The peer is up when it accepts the bench's body (202, so its Redis SET and BullMQ add work) and its ValidationPipe
   * refuses an unknown property and a bad target id (400): a peer that skipped validation would flatter the comparison.
   */
  private async peerUp(): Promise<boolean> {
    const { http, endpoints } = this.settings;
    const url = `${endpoints.peer}/v1/routing-policy-updates`;
    const ok = await http.request('POST', url, updateBody(randomUUID(), 'bench-peer-check'));
    if (ok.status !== 202) return false;
    const update = { target: { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 76, id: randomUUID() }, changes: { name: 'bench-peer-check' } };
    const unknownField = await http.request('POST', url, { updates: [{ ...update, extra: 1 }] });
    const badId = await http.request('POST', url, { updates: [{ ...update, target: { ...update.target, id: 'not-a-uuid' } }] });
    if (unknownField.status !== 400 || badId.status !== 400) {
      throw new Error(`nest peer validation is off: unknown property → ${unknownField.status}, bad target id → ${badId.status} (want 400 each)`);
    }
    return true;
  }

  /** Redis: private when possible (clean INFO commandstats, no other clients), else the given one with our prefix. */
  private async startRedis(): Promise<{ redisUrl: string; redis: Redis }> {
    let redisUrl: string;
    const haveRedisServer = !process.env.BENCH_REDIS_URL && spawnSync('redis-server', ['--version']).status === 0;
    if (haveRedisServer) {
      const port = await freePort();
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'];
      this.adopt(spawnCmd('redis', 'redis-server', args, this.settings.logDir));
      redisUrl = `redis://127.0.0.1:${port}`;
      this.privateRedis = true;
    } else {
      redisUrl = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    }
    const u = new URL(redisUrl);
    await waitFor('redis', () => canConnect(u.hostname, Number(u.port || 6379)), 10_000, 100);
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    this.redis = redis;
    redis.on('error', () => undefined);
    await waitFor('redis', async () => (await redis.ping()) === 'PONG', 10_000, 100);
    return { redisUrl, redis };
  }

  private openQueues(redisUrl: string, prefix: string): Record<QueueName, Queue> {
    const u = new URL(redisUrl);
    const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
    const connection = { host: u.hostname, port: Number(u.port || 6379), db, maxRetriesPerRequest: null };
    const queues = {} as Record<QueueName, Queue>;
    for (const name of QUEUE_NAMES) {
      queues[name] = new Queue(name, { connection, prefix: `{${prefix}}` });
      this.queues.push(queues[name]);
    }
    return queues;
  }

  private appEnv(redisUrl: string, extra: Record<string, string>): NodeJS.ProcessEnv {
    const { endpoints, prefix, apiKey, relaySecret } = this.settings;
    return {
      ...process.env,
      NODE_ENV: 'production',
      SESSION_SECRET: randomBytes(32).toString('base64url'),
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      API_KEYS: `bench:${apiKey}:*`,
      GCORE_API_URL: endpoints.sandbox,
      GCORE_API_KEY: 'sandbox-gcore-key',
      APINIZER_API_URL: endpoints.sandbox,
      APINIZER_API_TOKEN: 'sandbox-apinizer-token',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      INBOUND_WEBHOOK_SECRETS: `bench-relay=${relaySecret}`,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: String(BENCH_RATE_LIMIT_PER_MINUTE),
      WORKER_METRICS_PORT: '0',
      ...extra,
    };
  }

  private adopt(...started: Child[]): void {
    for (const c of started) {
      this.children.push(c);
      c.proc.once('exit', (code, signal) => {
        if (this.stopping) return;
        console.error(`\n${c.name} exited unexpectedly (${signal ?? code}); last log lines:\n${tailOf(c.logFile)}`);
        this.onUnexpectedExit();
      });
    }
  }

  /** Shared Redis: unlink every key of this run. */
  private async removeKeys(redis: Redis): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await redis
        .scan(cursor, 'MATCH', `{${this.settings.prefix}}*`, 'COUNT', 1000)
        .catch(() => ['0', [] as string[]] as [string, string[]]);
      cursor = next;
      if (keys.length) await redis.unlink(...keys).catch(() => undefined);
    } while (cursor !== '0');
  }
}
