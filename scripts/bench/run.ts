/**
 * `npm run bench [-- --quick] [-- --profile] [-- --only=1,2,...]`
 *
 * Builds nothing itself (npm run bench builds first). Starts, from dist/: a private Redis (when `redis-server` is on the
 * PATH; else BENCH_REDIS_URL / REDIS_URL with a unique key prefix), the provider sandbox (stock app + extra L7 policies,
 * scripts/bench/sandbox-host), a bare Fastify baseline, the gateway and ONE worker. Load comes from this process
 * (autocannon, undici) — never from inside the gateway. Runs the scenarios of the issue, prints one table and writes
 * bench/results.json.
 *
 *   1 accept path      autocannon max throughput vs the bare Fastify route; p50/p99 at half that rate (open-loop paced client,
 *                      measured after a 1 s warm-up that opens its connections)
 *   6 Redis cost       INFO commandstats deltas (minus the idle rate) per operation (accept → delivered webhook) and per poll
 *   2 detection        tasks of 1-20 s (evenly spread, shuffled, submissions staggered): sandbox FINISHED → signed
 *                      operation.completed at the subscriber; GETs per task; vs the official SDK's fixed 3 s schedule
 *   3 task hints       the same with a signed gcore.task.updated sent when each task finishes (runs alongside 2)
 *   5 webhook fan-out  backlog of deliveries built while the queue is paused, then drained by one worker
 *   4 many in flight   10,000 operations with tasks of 30-60 s: completion, lateness of every scheduled poll (BullMQ
 *                      events stream: 'delayed' timestamp → 'active'), worker peak RSS (/proc VmHWM)
 *
 * --quick scales every scenario down (whole run well under 2 minutes). --profile runs scenario 1 only with the gateway's
 * V8 CPU profiler on during the max-throughput run and prints the top costs. Sandbox latency and task durations:
 * --sandbox-latency-ms=N (every provider request), --detect-ms=1000-20000, --detect-ops=N, --many-ms=30000-60000,
 * --many-ops=N, --fanout=SUBSxOPS. The gateway and worker run with their defaults (poll schedule, concurrency).
 */
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { IncomingMessage, ServerResponse, createServer } from 'node:http';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { Agent, Dispatcher, Pool, request } from 'undici';
import { performance } from 'node:perf_hooks';
import autocannon = require('autocannon');
import { benchL7Id } from './ids';
import {
  Child,
  RedisStats,
  canConnect,
  callsDelta,
  cpuSecondsOf,
  fmt,
  freePort,
  maxOf,
  mean,
  parseRedisInfo,
  percentile,
  resetPeakRss,
  rssOf,
  shuffled,
  sleep,
  spawnCmd,
  spawnNode,
  stopChild,
  tailOf,
  waitFor,
} from './lib';
import { summarizeCpuProfile } from './profile-summary';

// ---------------------------------------------------------------------------------------------------------------------
// options

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const PROFILE = argv.includes('--profile');
const onlyArg = argv.find((a) => a.startsWith('--only='))?.slice(7);
const ONLY = PROFILE ? new Set(['1']) : onlyArg ? new Set(onlyArg.split(',')) : null;
const enabled = (s: string): boolean => !ONLY || ONLY.has(s);

const CFG = QUICK
  ? {
      accept: { connections: 50, warmS: 1, durationS: 3 },
      cost: { ops: 60, taskMs: 5000, idleMs: 2000 },
      detect: { ops: 24, minMs: 1000, maxMs: 5000 },
      fanout: { subs: 40, ops: 100 },
      many: { ops: 1000, minMs: 8000, maxMs: 15_000, graceMs: 45_000 },
    }
  : {
      accept: { connections: 50, warmS: 2, durationS: 10 },
      cost: { ops: 200, taskMs: 10_000, idleMs: 5000 },
      detect: { ops: 60, minMs: 1000, maxMs: 20_000 },
      fanout: { subs: 100, ops: 200 },
      many: { ops: 10_000, minMs: 30_000, maxMs: 60_000, graceMs: 150_000 },
    };

// overrides: --sandbox-latency-ms=N, --detect-ms=MIN-MAX, --detect-ops=N, --many-ms=MIN-MAX, --many-ops=N, --fanout=SUBSxOPS
const flag = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const range = (v: string | undefined): [number, number] | undefined => {
  const m = /^(\d+)-(\d+)$/.exec(v ?? '');
  return m ? [Number(m[1]), Number(m[2])] : undefined;
};
const SANDBOX_LATENCY_MS = Number(flag('sandbox-latency-ms') ?? 0);
{
  const d = range(flag('detect-ms'));
  if (d) [CFG.detect.minMs, CFG.detect.maxMs] = d;
  const m = range(flag('many-ms'));
  if (m) [CFG.many.minMs, CFG.many.maxMs] = m;
  if (flag('detect-ops')) CFG.detect.ops = Number(flag('detect-ops'));
  if (flag('many-ops')) CFG.many.ops = Number(flag('many-ops'));
  const f = /^(\d+)x(\d+)$/.exec(flag('fanout') ?? '');
  if (f) [CFG.fanout.subs, CFG.fanout.ops] = [Number(f[1]), Number(f[2])];
}

const SDK_INTERVAL_MS = 3000;
const POLL_INITIAL_MS = 1000; // GCORE_TASK_POLL_INITIAL_MS default (the bench runs the defaults)
const POLL_MAX_MS = 2000; // GCORE_TASK_POLL_MAX_MS default
const DIST = resolve(__dirname, '..', '..');
const RESULTS_FILE = resolve(process.env.BENCH_RESULTS ?? join(process.cwd(), 'bench', 'results.json'));

// ---------------------------------------------------------------------------------------------------------------------
// results

interface Row {
  scenario: string;
  figure: string;
  value: number | null;
  unit: string;
  baseline: number | null;
  baselineLabel?: string;
  ratio: number | null;
  goal?: string;
  met?: boolean | null;
  note?: string;
}
const rows: Row[] = [];
const details: Record<string, unknown> = {};
const row = (r: Row): void => void rows.push(r);
const ratio = (a: number | null, b: number | null): number | null => (a !== null && b !== null && b !== 0 ? a / b : null);

// ---------------------------------------------------------------------------------------------------------------------
// processes and clients

const children: Child[] = [];
const runId = Date.now().toString(36);
const PREFIX = `bench${runId}`;
const logDir = mkdtempSync(join(tmpdir(), 'rpg-bench-'));
const apiKey = randomBytes(24).toString('hex');
const relaySecret = `whsec_${randomBytes(32).toString('base64')}`;
const agent = new Agent({ connections: 128, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000 });

let redisUrl = '';
let privateRedis = false;
let gatewayUrl = '';
let sandboxUrl = '';
let bareUrl = '';
let receiverUrl = '';
let redis: Redis;
let workerChild: Child;
let gatewayChild: Child;
let cpuProfileFile = '';
const queues: Record<string, Queue> = {};

async function http<T = unknown>(method: Dispatcher.HttpMethod, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: T }> {
  const res = await request(url, {
    method,
    dispatcher: agent,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.body.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.statusCode, json: json as T };
}
const api = <T = unknown>(method: Dispatcher.HttpMethod, path: string, body?: unknown) =>
  http<T>(method, gatewayUrl + path, body, { authorization: `Bearer ${apiKey}` });
const sandbox = <T = unknown>(method: Dispatcher.HttpMethod, path: string, body?: unknown) => http<T>(method, sandboxUrl + path, body);

function commonEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: PREFIX,
    API_KEYS: `bench:${apiKey}:*`,
    GCORE_API_URL: sandboxUrl,
    GCORE_API_KEY: 'sandbox-gcore-key',
    APINIZER_API_URL: sandboxUrl,
    APINIZER_API_TOKEN: 'sandbox-apinizer-token',
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    INBOUND_WEBHOOK_SECRETS: `bench-relay=${relaySecret}`,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '100000000', // the per-key limiter must not cap a load test
    WORKER_METRICS_PORT: '0',
    ...extra,
  };
}

function watchExit(c: Child): void {
  c.proc.once('exit', (code, signal) => {
    if (!stopping) {
      console.error(`\n${c.name} exited unexpectedly (${signal ?? code}); last log lines:\n${tailOf(c.logFile)}`);
      void shutdown(1);
    }
  });
}

async function startAll(): Promise<void> {
  // Redis: private when possible (clean INFO commandstats, no other clients), else the given one with our prefix
  const haveRedisServer = !process.env.BENCH_REDIS_URL && spawnSync('redis-server', ['--version']).status === 0;
  if (haveRedisServer) {
    const port = await freePort();
    const c = spawnCmd('redis', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], logDir);
    children.push(c);
    watchExit(c);
    redisUrl = `redis://127.0.0.1:${port}`;
    privateRedis = true;
  } else {
    redisUrl = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  }
  const ru = new URL(redisUrl);
  await waitFor('redis', () => canConnect(ru.hostname, Number(ru.port || 6379)), 10_000, 100);
  redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  await waitFor('redis', async () => (await redis.ping()) === 'PONG', 10_000, 100);

  const [sbPort, barePort, gwPort, rcvPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  sandboxUrl = `http://127.0.0.1:${sbPort}`;
  bareUrl = `http://127.0.0.1:${barePort}`;
  gatewayUrl = `http://127.0.0.1:${gwPort}`;
  receiverUrl = `http://127.0.0.1:${rcvPort}`;
  await startReceiver(rcvPort);

  const policies = CFG.cost.ops + 2 * CFG.detect.ops + CFG.fanout.ops + CFG.many.ops + 100;
  const sb = spawnNode('sandbox', join(DIST, 'scripts/bench/sandbox-host.js'), { ...process.env, SANDBOX_PORT: String(sbPort), BENCH_L7_POLICIES: String(policies), SANDBOX_LATENCY_MS: String(SANDBOX_LATENCY_MS) }, logDir);
  const bare = spawnNode('bare-fastify', join(DIST, 'scripts/bench/bare-server.js'), { ...process.env, BARE_PORT: String(barePort) }, logDir);
  children.push(sb, bare);
  [sb, bare].forEach(watchExit);
  await waitFor('sandbox', async () => (await sandbox('GET', '/__sandbox/config')).status === 200, 15_000, 100);

  workerChild = spawnNode('worker', join(DIST, 'apps/worker/src/main.js'), commonEnv({}), logDir);
  cpuProfileFile = join(logDir, 'gateway.cpuprofile');
  gatewayChild = spawnNode(
    'gateway',
    join(DIST, 'apps/gateway/src/main.js'),
    commonEnv({ PORT: String(gwPort), HOST: '127.0.0.1', BENCH_CPU_PROFILE: cpuProfileFile }),
    logDir,
    PROFILE ? ['-r', join(DIST, 'scripts/bench/profile-preload.js')] : [],
  );
  children.push(workerChild, gatewayChild);
  [workerChild, gatewayChild].forEach(watchExit);
  await waitFor('gateway /health/ready', async () => (await http('GET', `${gatewayUrl}/health/ready`)).status === 200, 60_000, 200);
  await waitFor('bare fastify', async () => (await http('POST', `${bareUrl}/v1/routing-policy-updates`, '{"updates":[]}')).status === 202, 10_000, 100);

  const u = new URL(redisUrl);
  const connection = { host: u.hostname, port: Number(u.port || 6379), db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0, maxRetriesPerRequest: null };
  for (const name of ['provider-calls', 'gcore-tasks', 'webhook-events', 'webhook-deliveries']) {
    queues[name] = new Queue(name, { connection, prefix: `{${PREFIX}}` });
  }
  // the worker has no port: it is up when every queue has a BullMQ worker connected
  await waitFor('worker', async () => {
    for (const q of Object.values(queues)) if ((await q.getWorkersCount()) < 1) return false;
    return true;
  }, 60_000, 200);
}

let stopping = false;
async function shutdown(code: number): Promise<never> {
  stopping = true;
  for (const q of Object.values(queues)) await q.close().catch(() => undefined);
  if (redis && !privateRedis) {
    // shared Redis: remove our keys
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `{${PREFIX}}*`, 'COUNT', 1000).catch(() => ['0', [] as string[]] as [string, string[]]);
      cursor = next;
      if (keys.length) await redis.unlink(...keys).catch(() => undefined);
    } while (cursor !== '0');
  }
  redis?.disconnect();
  const order = ['gateway', 'worker', 'sandbox', 'bare-fastify', 'redis'];
  for (const name of order) for (const c of children.filter((x) => x.name === name)) await stopChild(c);
  receiver?.close();
  await agent.close().catch(() => undefined);
  process.exit(code);
}

// ---------------------------------------------------------------------------------------------------------------------
// the subscriber (a loopback receiver; answers 200 at once, then verifies and records)

interface Completion {
  at: number;
  status: string;
  taskIds: string[];
}
const completions = new Map<string, Completion>();
let mainSecret = '';
let mainVerifier: Webhook | null = null;
let badSignatures = 0;
let fanCount = 0;
let fanLastAt = 0;
let receiver: ReturnType<typeof createServer> | null = null;

async function startReceiver(port: number): Promise<void> {
  receiver = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      if (req.url?.startsWith('/hooks/fan/')) {
        fanCount++;
        fanLastAt = at;
        return;
      }
      if (req.url !== '/hooks/main' || !mainVerifier) return;
      const body = Buffer.concat(chunks).toString('utf8');
      let event: { type?: string; data?: { id?: string; status?: string; results?: { gcore?: { taskIds?: string[] } }[] } };
      try {
        event = mainVerifier.verify(body, {
          'webhook-id': String(req.headers['webhook-id'] ?? ''),
          'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
          'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
        }) as typeof event;
      } catch {
        badSignatures++;
        return;
      }
      if (event.type !== 'operation.completed' || !event.data?.id) return;
      if (!completions.has(event.data.id)) {
        completions.set(event.data.id, { at, status: event.data.status ?? '?', taskIds: event.data.results?.[0]?.gcore?.taskIds ?? [] });
      }
    });
  });
  receiver.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => receiver!.listen(port, '127.0.0.1', () => r()));
}

async function subscribe(path: string, events: string[]): Promise<{ id: string; secret: string }> {
  const res = await api<{ id: string; secret: string }>('POST', '/v1/webhook-subscriptions', { url: `${receiverUrl}${path}`, events, description: 'bench' });
  if (res.status !== 201) throw new Error(`subscribe ${path}: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json;
}

// ---------------------------------------------------------------------------------------------------------------------
// operations

let policyCursor = 0;
const takePolicies = (n: number): string[] => Array.from({ length: n }, () => benchL7Id(policyCursor++));

function updateBody(id: string, name: string): string {
  return JSON.stringify({ updates: [{ target: { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 76, id }, changes: { name } }] });
}

async function submit(policyId: string, name: string): Promise<string> {
  const res = await api<{ id: string }>('POST', '/v1/routing-policy-updates', updateBody(policyId, name));
  if (res.status !== 202) throw new Error(`submit ${name}: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json.id;
}

async function submitMany(items: { policyId: string; name: string }[], concurrency: number): Promise<string[]> {
  const ids = new Array<string>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        ids[i] = await submit(items[i].policyId, items[i].name);
      }
    }),
  );
  return ids;
}

async function addDurationFaults(policyIds: string[], durations: number[]): Promise<void> {
  for (let i = 0; i < policyIds.length; i++) {
    const res = await sandbox('POST', '/__sandbox/faults', { method: 'PATCH', path: policyIds[i], count: 1, taskDurationMs: durations[i] });
    if (res.status !== 201) throw new Error(`fault: ${res.status} ${JSON.stringify(res.json)}`);
  }
}

interface TaskNote {
  id: string;
  name: string | null;
  createdAtMs: number;
  finishAtMs: number;
}
const sandboxTasks = async (since: number) => (await sandbox<{ next: number; tasks: TaskNote[] }>('GET', `/__sandbox/bench/tasks?since=${since}`)).json;
const sandboxCounts = async () =>
  (await sandbox<{ taskGets: number; taskLists: number; l7Patches: number; perTask: Record<string, number>; hintsSent: number; hintErrors: number }>('GET', '/__sandbox/bench/counts')).json;

/** CPU use (% of one core) of every process during a scenario: gateway, worker, sandbox, redis, bench (this process). */
function cpuMeter(): () => Record<string, number> {
  const procs = [...children.map((c) => ({ name: c.name, pid: c.proc.pid! })), { name: 'bench-driver', pid: process.pid }];
  const t0 = Date.now();
  const start = procs.map((p) => cpuSecondsOf(p.pid));
  return () => {
    const wall = (Date.now() - t0) / 1000;
    const out: Record<string, number> = {};
    procs.forEach((p, i) => (out[p.name] = Math.round((100 * (cpuSecondsOf(p.pid) - start[i])) / wall)));
    return out;
  };
}
const cpuNote = (c: Record<string, number>): string =>
  `CPU % of a core: ${Object.entries(c)
    .filter(([n]) => n !== 'bare-fastify')
    .map(([n, v]) => `${n} ${v}`)
    .join(', ')}`;

async function redisStats(): Promise<RedisStats> {
  const text = `${await redis.info('commandstats')}\n${await redis.info('cpu')}`;
  return parseRedisInfo(text, Date.now());
}

const key = (...parts: string[]): string => `{${PREFIX}}:${parts.join(':')}`;

async function waitCompleted(opIds: string[], timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = opIds.filter((id) => completions.has(id)).length;
    if (done === opIds.length || Date.now() >= deadline) return done;
    await sleep(50);
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// schedules (computed)

/** The official SDKs: GET at once, then every 3 s until FINISHED. */
function sdkSchedule(durationMs: number): { gets: number; lagMs: number } {
  const k = Math.max(0, Math.ceil(durationMs / SDK_INTERVAL_MS));
  return { gets: k + 1, lagMs: k * SDK_INTERVAL_MS - durationMs };
}

/** This gateway's default schedule without learning (first look after 1 s, ×1.2, capped at 2 s), ignoring all overhead. */
function ownSchedule(durationMs: number): { gets: number; lagMs: number } {
  let t = POLL_INITIAL_MS;
  let gets = 1;
  while (t < durationMs) {
    t += Math.round(Math.min(POLL_MAX_MS, POLL_INITIAL_MS * 1.2 ** gets));
    gets++;
  }
  return { gets, lagMs: t - durationMs };
}

// ---------------------------------------------------------------------------------------------------------------------
// 1. accept path

function acceptLoad(url: string, extra: { connections: number; durationS: number }) {
  const instance = autocannon({
    url,
    method: 'POST',
    connections: extra.connections,
    duration: extra.durationS,
    timeout: 10,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, body: updateBody(randomUUID(), 'bench-accept') }) }],
  });
  return instance;
}

/**
 * Open-loop load at a fixed rate, evenly paced (autocannon's rate limit fires each connection's quota in a burst at the
 * start of every second, which measures burst queueing rather than latency at a rate). Latency runs from the moment a
 * request was due, so a stalled client or server cannot hide queueing (no coordinated omission). Runs warmS + durationS
 * seconds; only requests due after the first warmS seconds are measured (the pool opens its connections meanwhile).
 */
async function pacedLoad(url: string, rate: number, durationS: number, body: () => string, warmS = 1): Promise<{ latencies: number[]; service: number[]; bad: number; sent: number; seconds: number }> {
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  const latencies: number[] = [];
  const service: number[] = [];
  const inflight = new Set<Promise<void>>();
  let bad = 0;
  let sent = 0;
  const total = Math.round(rate * (warmS + durationS));
  const warmUntil = Math.round(rate * warmS);
  const start = performance.now();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
    while (sent < due) {
      const dueAt = start + (sent * 1000) / rate;
      const measured = sent >= warmUntil;
      sent++;
      const sentAt = performance.now();
      const p: Promise<void> = pool
        .request({ path: u.pathname, method: 'POST', headers, body: body() })
        .then(async (res) => {
          await res.body.dump();
          const end = performance.now();
          if (res.statusCode !== 202) bad++;
          else if (measured) {
            latencies.push(end - dueAt);
            service.push(end - sentAt);
          }
        })
        .catch(() => void bad++)
        .finally(() => inflight.delete(p));
      inflight.add(p);
    }
    await sleep(1);
  }
  await Promise.all(inflight);
  const seconds = (performance.now() - start) / 1000 - warmS;
  await pool.close();
  return { latencies, service, bad, sent: sent - warmUntil, seconds };
}

async function scenarioAccept(): Promise<void> {
  const { connections, warmS, durationS } = CFG.accept;
  const gw = `${gatewayUrl}/v1/routing-policy-updates`;
  const bare = `${bareUrl}/v1/routing-policy-updates`;
  // the accept path never calls providers: hold the provider calls so one worker draining them does not share the CPU
  await queues['provider-calls'].pause();

  await acceptLoad(gw, { connections, durationS: warmS });
  if (PROFILE) gatewayChild.proc.kill('SIGWINCH');
  const cpu = cpuMeter();
  const gMax = await acceptLoad(gw, { connections, durationS });
  const cpuUse = cpu();
  if (PROFILE) gatewayChild.proc.kill('SIGWINCH');
  await acceptLoad(bare, { connections, durationS: warmS });
  const bMax = await acceptLoad(bare, { connections, durationS });

  const gRps = gMax['2xx'] / durationS;
  const bRps = bMax['2xx'] / durationS;
  const half = Math.max(1, Math.floor(gRps / 2));
  const paced = await pacedLoad(gw, half, durationS, () => updateBody(randomUUID(), 'bench-accept'));
  const lat = paced.latencies;
  const bad = paced.bad;
  const p50 = percentile(lat, 50);
  const p99 = percentile(lat, 99);
  details.accept = {
    gatewayMax: { cpuPercent: cpuUse, rps: gRps, non2xx: gMax.non2xx, errors: gMax.errors, timeouts: gMax.timeouts, latency: gMax.latency, statusCodes: gMax.statusCodeStats },
    bareMax: { rps: bRps, non2xx: bMax.non2xx, errors: bMax.errors, latency: bMax.latency },
    halfRate: { client: 'open-loop, evenly paced (undici pool)', targetRps: half, achievedRps: paced.sent / paced.seconds, samples: lat.length, non202: bad, p50, p90: percentile(lat, 90), p99, max: maxOf(lat), fromSendTime: { p50: percentile(paced.service, 50), p99: percentile(paced.service, 99) } },
    connections,
    durationS,
  };
  const clean = gMax.non2xx === 0 && gMax.errors === 0;
  row({ scenario: '1 accept', figure: 'max throughput (req/s)', value: gRps, unit: 'req/s', baseline: bRps, baselineLabel: 'bare Fastify', ratio: ratio(gRps, bRps), goal: 'ratio ≥ 0.5', met: (ratio(gRps, bRps) ?? 0) >= 0.5, note: `${clean ? '' : `non-2xx ${gMax.non2xx}, errors ${gMax.errors}; `}${connections} connections; during the gateway run ${cpuNote(cpuUse)}` });
  const achieved = Math.round(paced.sent / paced.seconds);
  const halfNote = `open-loop, evenly paced: ${half} req/s due, ${achieved} req/s sent over ${fmt(paced.seconds, 1)} s; latency from the due time (from the actual send: p99 ${fmt(percentile(paced.service, 99))} ms)${bad ? `; ${bad} non-202` : ''}`;
  row({ scenario: '1 accept', figure: 'p50 latency @ ½ max rate', value: p50, unit: 'ms', baseline: null, ratio: null });
  row({ scenario: '1 accept', figure: 'p99 latency @ ½ max rate', value: p99, unit: 'ms', baseline: null, ratio: null, goal: '≤ 15 ms', met: p99 <= 15 && bad === 0, note: halfNote });

  await queues['provider-calls'].drain(true);
  await queues['provider-calls'].resume();
}

// ---------------------------------------------------------------------------------------------------------------------
// 6. Redis cost

async function scenarioRedisCost(): Promise<void> {
  const { ops, taskMs, idleMs } = CFG.cost;
  await redis.del(key('tasktypes'));
  await sleep(500);
  const i0 = await redisStats();
  await sleep(idleMs);
  const i1 = await redisStats();
  const idle = callsDelta(i0, i1);
  const idlePerMs = idle.total / (i1.at - i0.at);
  const idleScriptsPerMs = idle.scripts / (i1.at - i0.at);

  const policies = takePolicies(ops);
  await addDurationFaults(policies, policies.map(() => taskMs));
  const since = (await sandboxTasks(0)).next;
  const c0 = await sandboxCounts();
  const A = await redisStats();
  const opIds = await submitMany(policies.map((policyId, i) => ({ policyId, name: `s6-${i}` })), 16);
  await waitFor('s6 writes', async () => (await sandboxCounts()).l7Patches >= c0.l7Patches + ops, 30_000, 50);
  const writesDone = Date.now();
  const notes = (await sandboxTasks(since)).tasks.filter((t) => t.name?.startsWith('s6-'));
  const firstFinish = Math.min(...notes.map((t) => t.finishAtMs));
  await sleep(writesDone + 1500 - Date.now());
  const B = await redisStats();
  const cB = await sandboxCounts();
  await sleep(firstFinish - 300 - Date.now());
  const C = await redisStats();
  const cC = await sandboxCounts();
  const done = await waitCompleted(opIds, taskMs + 30_000);
  await sleep(1000); // the delivery's own bookkeeping after the 200
  const D = await redisStats();
  const cD = await sandboxCounts();

  const all = callsDelta(A, D);
  const opCommands = (all.total - idlePerMs * (D.at - A.at)) / ops;
  const opScripts = (all.scripts - idleScriptsPerMs * (D.at - A.at)) / ops;
  const window = callsDelta(B, C);
  const polls = cC.taskGets - cB.taskGets;
  const pollCommands = polls > 0 && C.at - B.at > 500 ? (window.total - idlePerMs * (C.at - B.at)) / polls : null;
  const pollScripts = polls > 0 && C.at - B.at > 500 ? (window.scripts - idleScriptsPerMs * (C.at - B.at)) / polls : null;
  const pollsPerOp = (cD.taskGets - c0.taskGets) / ops;
  const perOpBy: Record<string, number> = {};
  for (const [cmd, n] of Object.entries(all.byCommand)) perOpBy[cmd] = Math.round((n / ops) * 100) / 100;
  const perPollBy: Record<string, number> = {};
  if (polls > 0) for (const [cmd, n] of Object.entries(window.byCommand)) perPollBy[cmd] = Math.round((n / polls) * 100) / 100;
  details.redisCost = {
    ops,
    completed: done,
    taskMs,
    idleCommandsPerS: idlePerMs * 1000,
    pollsPerOp,
    perOp: { commands: opCommands, scriptCalls: opScripts, fixedExclPolls: pollCommands !== null ? opCommands - pollsPerOp * pollCommands : null, redisCpuMs: ((D.cpuS - A.cpuS) * 1000) / ops, byCommand: perOpBy },
    perPoll: { commands: pollCommands, scriptCalls: pollScripts, windowMs: C.at - B.at, polls, byCommand: perPollBy },
  };
  const note = `incl. commands inside Lua; ${fmt(pollsPerOp)} polls/op (${taskMs / 1000} s tasks); ${done}/${ops} done`;
  row({ scenario: '6 redis', figure: 'commands per op (accept → webhook delivered)', value: opCommands, unit: 'cmds', baseline: null, ratio: null, goal: 'report', note });
  row({ scenario: '6 redis', figure: '  of which script calls (EVALSHA) per op', value: opScripts, unit: 'calls', baseline: null, ratio: null, goal: 'report' });
  const fixed = pollCommands !== null ? opCommands - pollsPerOp * pollCommands : null;
  row({ scenario: '6 redis', figure: '  fixed part (op minus its polls)', value: fixed, unit: 'cmds', baseline: null, ratio: null, goal: 'report' });
  row({ scenario: '6 redis', figure: 'commands per task poll', value: pollCommands, unit: 'cmds', baseline: null, ratio: null, goal: 'report', note: `${polls} polls in a ${Math.round((C.at - B.at) / 100) / 10} s window` });
  row({ scenario: '6 redis', figure: '  of which script calls per poll', value: pollScripts, unit: 'calls', baseline: null, ratio: null, goal: 'report' });
}

// ---------------------------------------------------------------------------------------------------------------------
// 2 + 3. detection latency, without and with task hints (run side by side)

async function scenarioDetection(withHints: boolean, withoutHints: boolean): Promise<void> {
  const { ops, minMs, maxMs } = CFG.detect;
  await redis.del(key('tasktypes'));
  const durations = Array.from({ length: ops }, (_, i) => Math.round(minMs + (i * (maxMs - minMs)) / Math.max(1, ops - 1)));
  const groups = [
    ...(withoutHints ? [{ tag: 's2', order: shuffled(durations, 2) }] : []),
    ...(withHints ? [{ tag: 's3', order: shuffled(durations, 3) }] : []),
  ].map((g) => ({ ...g, policies: takePolicies(ops), opIds: [] as string[] }));
  for (const g of groups) await addDurationFaults(g.policies, g.order);
  if (withHints) {
    const res = await sandbox('PUT', '/__sandbox/bench/hints', { url: `${gatewayUrl}/v1/inbound-webhooks/bench-relay`, secret: relaySecret, namePrefix: 's3-' });
    if (res.status !== 200) throw new Error(`hints: ${res.status}`);
  }
  const since = (await sandboxTasks(0)).next;
  const c0 = await sandboxCounts();
  // submissions staggered over the duration span so tasks finish in mixed order (as in real traffic)
  const spanMs = maxMs - minMs;
  const t0 = Date.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < ops; i++) {
    await sleep(t0 + (i * spanMs) / ops - Date.now());
    for (const g of groups) pending.push(submit(g.policies[i], `${g.tag}-${i}`).then((id) => void (g.opIds[i] = id)));
  }
  await Promise.all(pending);
  const allIds = groups.flatMap((g) => g.opIds);
  const done = await waitCompleted(allIds, maxMs + 30_000);
  await sandbox('PUT', '/__sandbox/bench/hints', {});
  const notes = new Map((await sandboxTasks(since)).tasks.map((t) => [t.id, t]));
  const counts = await sandboxCounts();

  // task listings (the sweep) serve every task in flight: shared evenly over the tasks of both groups
  const listsPerTask = (counts.taskLists - c0.taskLists) / Math.max(1, allIds.length);
  const stats: Record<string, { p50: number; p95: number; max: number; gets: number; n: number; ok: number }> = {};
  for (const g of groups) {
    const lat: number[] = [];
    const gets: number[] = [];
    let ok = 0;
    for (const id of g.opIds) {
      const c = completions.get(id);
      if (!c) continue;
      if (c.status === 'SUCCEEDED') ok++;
      const task = c.taskIds[0] ? notes.get(c.taskIds[0]) : undefined;
      if (!task) continue;
      lat.push(c.at - task.finishAtMs);
      gets.push((counts.perTask[task.id] ?? 0) + listsPerTask);
    }
    stats[g.tag] = { p50: percentile(lat, 50), p95: percentile(lat, 95), max: maxOf(lat), gets: mean(gets), n: lat.length, ok };
  }
  // the SDK's fixed 3 s schedule and our own schedule (no overhead) for the same durations
  const sdk = durations.map(sdkSchedule);
  const own = durations.map(ownSchedule);
  const sdkP50 = percentile(sdk.map((s) => s.lagMs), 50);
  const sdkP95 = percentile(sdk.map((s) => s.lagMs), 95);
  const sdkGets = mean(sdk.map((s) => s.gets));
  details.detection = {
    durationsMs: { min: minMs, max: maxMs, n: ops, evenlySpread: true, submissionsStaggeredOverMs: spanMs },
    measured: stats,
    sdkComputed: { p50: sdkP50, p95: sdkP95, getsPerTask: sdkGets },
    ownScheduleComputed: { p50: percentile(own.map((s) => s.lagMs), 50), p95: percentile(own.map((s) => s.lagMs), 95), getsPerTask: mean(own.map((s) => s.gets)) },
    completed: done,
    expected: allIds.length,
    hints: { sent: counts.hintsSent - c0.hintsSent, errors: counts.hintErrors - c0.hintErrors },
    taskListings: counts.taskLists - c0.taskLists,
    listingsPerTask: listsPerTask,
  };
  const range = `${minMs / 1000}-${maxMs / 1000} s tasks`;
  const s2 = stats.s2;
  const s3 = stats.s3;
  if (s2) {
    const note = `${s2.ok}/${ops} SUCCEEDED; ${range}; GETs incl. ${fmt(listsPerTask, 2)} task listings per task; own schedule alone: p95 ${fmt(percentile(own.map((s) => s.lagMs), 95), 0)} ms`;
    row({ scenario: '2 detection', figure: 'FINISHED → operation.completed p50', value: s2.p50, unit: 'ms', baseline: sdkP50, baselineLabel: 'SDK 3 s (computed)', ratio: ratio(s2.p50, sdkP50) });
    row({ scenario: '2 detection', figure: 'FINISHED → operation.completed p95', value: s2.p95, unit: 'ms', baseline: sdkP95, baselineLabel: 'SDK 3 s (computed)', ratio: ratio(s2.p95, sdkP95), goal: '≤ 1000 ms', met: s2.p95 <= 1000 && s2.n === ops, note });
    row({ scenario: '2 detection', figure: 'task GETs per task', value: s2.gets, unit: 'GETs', baseline: sdkGets, baselineLabel: 'SDK 3 s (computed)', ratio: ratio(s2.gets, sdkGets), goal: '≤ 1.5× SDK', met: (ratio(s2.gets, sdkGets) ?? 9) <= 1.5 });
  }
  if (s3) {
    const h = details.detection as { hints: { sent: number; errors: number } };
    const note = `${s3.ok}/${ops} SUCCEEDED; hints sent ${h.hints.sent}, failed ${h.hints.errors}`;
    row({ scenario: '3 hints', figure: 'FINISHED → operation.completed p50', value: s3.p50, unit: 'ms', baseline: s2?.p50 ?? null, baselineLabel: 'no hints (2)', ratio: ratio(s3.p50, s2?.p50 ?? null) });
    row({ scenario: '3 hints', figure: 'FINISHED → operation.completed p95', value: s3.p95, unit: 'ms', baseline: s2?.p95 ?? null, baselineLabel: 'no hints (2)', ratio: ratio(s3.p95, s2?.p95 ?? null), goal: '≤ 100 ms', met: s3.p95 <= 100 && s3.n === ops, note });
    row({ scenario: '3 hints', figure: 'task GETs per task', value: s3.gets, unit: 'GETs', baseline: sdkGets, baselineLabel: 'SDK 3 s (computed)', ratio: ratio(s3.gets, sdkGets) });
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// 5. webhook fan-out

async function scenarioFanOut(): Promise<void> {
  const { subs, ops } = CFG.fanout;
  await redis.del(key('tasktypes'));
  const deliveries = queues['webhook-deliveries'];
  await deliveries.pause();
  const created: string[] = [];
  for (let k = 0; k < subs; k++) created.push((await subscribe(`/hooks/fan/${k}`, ['operation.completed'])).id);
  const policies = takePolicies(ops);
  await addDurationFaults(policies, policies.map(() => 0));
  const fan0 = fanCount;
  const opIds = await submitMany(policies.map((policyId, i) => ({ policyId, name: `s5-${i}` })), 16);
  const expected = ops * (subs + 1); // + the main subscription
  await waitFor(
    'fan-out backlog',
    async () => {
      const c = await deliveries.getJobCounts('wait', 'paused', 'prioritized', 'delayed');
      return Object.values(c).reduce((a, b) => a + b, 0) >= expected;
    },
    60_000,
    100,
  );
  const t0 = Date.now();
  const cpu = cpuMeter();
  await deliveries.resume();
  const doneOps = await waitCompleted(opIds, 120_000);
  await waitFor('fan-out deliveries', () => fanCount - fan0 >= ops * subs, 120_000, 20).catch(() => undefined);
  const cpuUse = cpu();
  const lastMain = maxOf(opIds.map((id) => completions.get(id)?.at ?? 0));
  const t1 = Math.max(fanLastAt, lastMain);
  const delivered = fanCount - fan0 + doneOps;
  const perS = delivered / ((t1 - t0) / 1000);
  for (const id of created) await api('DELETE', `/v1/webhook-subscriptions/${id}`);
  details.fanout = { subscriptions: subs + 1, ops, expected, delivered, seconds: (t1 - t0) / 1000, perS, cpuPercent: cpuUse };
  row({ scenario: '5 fan-out', figure: 'webhook deliveries per second (1 worker)', value: perS, unit: '/s', baseline: null, ratio: null, goal: '≥ 2,000/s', met: perS >= 2000 && delivered >= expected, note: `${delivered}/${expected} delivered in ${fmt((t1 - t0) / 1000, 2)} s to ${subs + 1} endpoints; ${cpuNote(cpuUse)}` });
}

// ---------------------------------------------------------------------------------------------------------------------
// 4. many in flight

async function scenarioManyInFlight(): Promise<void> {
  const { ops, minMs, maxMs, graceMs } = CFG.many;
  await redis.del(key('tasktypes')); // start from an empty duration model (earlier scenarios taught it other durations)
  await sandbox('PATCH', '/__sandbox/config', { taskDurationMinMs: minMs, taskDurationMaxMs: maxMs });
  // lateness of every scheduled poll, from the gcore-tasks events stream: 'delayed' (timestamp) → 'active' (stream id)
  const streamKey = `{${PREFIX}}:gcore-tasks:events`;
  const reader = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const scheduled = new Map<string, number>();
  const lateness: number[] = [];
  let unmatched = 0;
  let reading = true;
  let lastId = '$';
  const tRead = Date.now();
  const buckets: { polls: number; late1s: number; max: number }[] = [];
  const readLoop = (async () => {
    while (reading) {
      const res = (await reader.xread('COUNT', 10_000, 'BLOCK', 200, 'STREAMS', streamKey, lastId)) as [string, [string, string[]][]][] | null;
      if (!res) continue;
      for (const [id, fields] of res[0][1]) {
        lastId = id;
        const f: Record<string, string> = {};
        for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]] = fields[i + 1];
        if (f.event === 'delayed') scheduled.set(f.jobId, Number(f.delay));
        else if (f.event === 'active') {
          const at = scheduled.get(f.jobId);
          if (at === undefined) unmatched++;
          else {
            const t = Number(id.split('-')[0]);
            lateness.push(t - at);
            const b = (buckets[Math.floor((t - tRead) / 10_000)] ??= { polls: 0, late1s: 0, max: 0 });
            b.polls++;
            if (t - at > 1000) b.late1s++;
            b.max = Math.max(b.max, t - at);
            scheduled.delete(f.jobId);
          }
        }
      }
    }
  })();
  const pid = workerChild.proc.pid!;
  const hwmReset = resetPeakRss(pid);
  let peakSampled = rssOf(pid)?.rssMb ?? 0;
  const sampler = setInterval(() => (peakSampled = Math.max(peakSampled, rssOf(pid)?.rssMb ?? 0)), 250);

  const policies = takePolicies(ops);
  const since = (await sandboxTasks(0)).next;
  const c0 = await sandboxCounts();
  const cpu = cpuMeter();
  const t0 = Date.now();
  const opIds = await submitMany(policies.map((policyId, i) => ({ policyId, name: `s4-${i}` })), 64);
  const submitS = (Date.now() - t0) / 1000;
  const done = await waitCompleted(opIds, maxMs + graceMs);
  const totalS = (Date.now() - t0) / 1000;
  const cpuUse = cpu();
  clearInterval(sampler);
  const rss = rssOf(pid);
  reading = false;
  await readLoop.catch(() => undefined);
  reader.disconnect();
  await sandbox('PATCH', '/__sandbox/config', { taskDurationMinMs: null, taskDurationMaxMs: null });

  const succeeded = opIds.filter((id) => completions.get(id)?.status === 'SUCCEEDED').length;
  // what a user sees of polling: from the sandbox marking the task FINISHED to the signed operation.completed
  const finishes = new Map((await sandboxTasks(since)).tasks.map((t) => [t.id, t.finishAtMs]));
  const detectLag: number[] = [];
  for (const id of opIds) {
    const c = completions.get(id);
    const finishAt = c?.taskIds[0] ? finishes.get(c.taskIds[0]) : undefined;
    if (c && finishAt !== undefined) detectLag.push(c.at - finishAt);
  }
  const counts = await sandboxCounts();
  const late1s = lateness.filter((l) => l > 1000).length;
  const maxLate = maxOf(lateness);
  const peakMb = hwmReset && rss ? rss.hwmMb : peakSampled;
  details.many = {
    ops,
    taskMs: [minMs, maxMs],
    submitSeconds: submitS,
    secondsToLastCompletion: totalS,
    completed: done,
    succeeded,
    polls: lateness.length,
    unmatchedActive: unmatched,
    lateness: { p50: percentile(lateness, 50), p99: percentile(lateness, 99), max: maxLate, over1s: late1s },
    finishedToCompleted: { p50: percentile(detectLag, 50), p99: percentile(detectLag, 99), max: detectLag.length ? maxOf(detectLag) : null, n: detectLag.length },
    taskGets: counts.taskGets - c0.taskGets,
    taskListings: counts.taskLists - c0.taskLists,
    latenessPer10s: buckets.map((b, i) => ({ fromS: i * 10, ...b })),
    cpuPercent: cpuUse,
    workerCpuMsPerPoll: lateness.length ? ((cpuUse.worker ?? 0) * 10 * totalS) / lateness.length : null, // includes the ops' calls, settles and webhooks
    workerRssMb: { peak: peakMb, peakSampled, source: hwmReset ? 'VmHWM (reset before the scenario)' : 'sampled VmRSS every 250 ms', endRss: rss?.rssMb },
  };
  const note = `${fmt(ops, 0)} ops, tasks ${minMs / 1000}-${maxMs / 1000} s; submitted in ${fmt(submitS, 1)} s; last done at ${fmt(totalS, 0)} s`;
  row({ scenario: '4 many', figure: 'operations completed (SUCCEEDED)', value: succeeded, unit: 'ops', baseline: ops, baselineLabel: 'submitted', ratio: ratio(succeeded, ops), goal: 'all', met: succeeded === ops, note });
  row({ scenario: '4 many', figure: 'scheduled poll lateness p50', value: percentile(lateness, 50), unit: 'ms', baseline: null, ratio: null });
  row({ scenario: '4 many', figure: 'scheduled poll lateness p99', value: percentile(lateness, 99), unit: 'ms', baseline: null, ratio: null });
  row({ scenario: '4 many', figure: 'scheduled poll lateness max', value: maxLate, unit: 'ms', baseline: null, ratio: null, goal: '≤ 1000 ms', met: late1s === 0 && lateness.length > 0, note: `${fmt(lateness.length, 0)} polls, ${fmt(late1s, 0)} late by > 1 s` });
  row({ scenario: '4 many', figure: 'task FINISHED → operation.completed p99', value: percentile(detectLag, 99), unit: 'ms', baseline: null, ratio: null, note: `max ${fmt(maxOf(detectLag), 0)} ms; ${fmt(counts.taskGets - c0.taskGets, 0)} task GETs + ${fmt(counts.taskLists - c0.taskLists, 0)} listings` });
  row({ scenario: '4 many', figure: 'worker peak RSS', value: peakMb, unit: 'MB', baseline: null, ratio: null, goal: '≤ 300 MB', met: peakMb <= 300, note: `${cpuNote(cpuUse)}; worker CPU per poll ≤ ${fmt(((cpuUse.worker ?? 0) * 10 * totalS) / Math.max(1, lateness.length), 2)} ms (all its work / polls)` });
}

// ---------------------------------------------------------------------------------------------------------------------
// output

function printTable(): void {
  const header = ['scenario', 'figure', 'value', 'baseline', 'ratio', 'goal', 'met'];
  const lines = rows.map((r) => [
    r.scenario,
    r.figure,
    `${fmt(r.value, r.unit === 'ms' || r.unit === 'req/s' || r.unit === '/s' ? 1 : 2)} ${r.unit}`,
    r.baseline === null ? '' : `${fmt(r.baseline, 2)}${r.baselineLabel ? ` (${r.baselineLabel})` : ''}`,
    r.ratio === null ? '' : `${r.ratio.toFixed(2)}×`,
    r.goal ?? '',
    r.met === undefined || r.met === null ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmtLine = (l: string[]): string => l.map((c, i) => c.padEnd(widths[i])).join(' | ');
  console.log(`\n${fmtLine(header)}\n${widths.map((w) => '-'.repeat(w)).join('-|-')}`);
  for (const l of lines) console.log(fmtLine(l));
  const notes = rows.filter((r) => r.note);
  if (notes.length) {
    console.log('\nnotes:');
    for (const r of notes) console.log(`  ${r.scenario} / ${r.figure.trim()}: ${r.note}`);
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  process.on('SIGINT', () => void shutdown(130));
  process.on('SIGTERM', () => void shutdown(143));
  const mode = PROFILE ? 'profile' : QUICK ? 'quick' : 'full';
  const loadBefore = loadavg()[0];
  console.log(`bench (${mode}) on ${cpus().length} cores, load average ${loadBefore.toFixed(2)}; logs in ${logDir}`);
  await startAll();
  console.log(`started (${((Date.now() - started) / 1000).toFixed(1)} s): redis ${privateRedis ? 'private' : 'shared'} ${redisUrl}, prefix ${PREFIX}, sandbox latency ${SANDBOX_LATENCY_MS} ms`);

  const step = async (name: string, fn: () => Promise<void>): Promise<void> => {
    const t = Date.now();
    process.stdout.write(`  ${name} … `);
    try {
      await fn();
      console.log(`${((Date.now() - t) / 1000).toFixed(1)} s`);
    } catch (error) {
      console.log(`FAILED: ${(error as Error).message}`);
      rows.push({ scenario: name, figure: 'scenario failed', value: null, unit: '', baseline: null, ratio: null, met: false, note: (error as Error).message });
    }
  };

  if (enabled('1')) await step('1 accept path', scenarioAccept);
  if (PROFILE) {
    await waitFor('cpu profile', () => existsSync(cpuProfileFile), 15_000, 100).catch(() => undefined);
  } else {
    const main = await subscribe('/hooks/main', ['operation.completed']);
    mainSecret = main.secret;
    mainVerifier = new Webhook(mainSecret);
    if (enabled('6')) await step('6 redis cost', scenarioRedisCost);
    if (enabled('2') || enabled('3')) await step('2+3 detection (side by side)', () => scenarioDetection(enabled('3'), enabled('2')));
    if (enabled('5')) await step('5 webhook fan-out', scenarioFanOut);
    if (enabled('4')) await step('4 many in flight', scenarioManyInFlight);
  }

  const date = new Date().toISOString();
  const machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? '?',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage1m: { before: loadBefore, after: loadavg()[0] },
  };
  const durationS = (Date.now() - started) / 1000;
  printTable();
  console.log(`\n${mode} run: ${durationS.toFixed(0)} s on ${machine.cores} cores (${machine.cpu}); load average ${loadBefore.toFixed(2)} → ${machine.loadAverage1m.after.toFixed(2)}; bad signatures ${badSignatures}`);
  if (PROFILE && existsSync(cpuProfileFile)) {
    console.log(`\ngateway CPU profile (max-throughput run): ${cpuProfileFile}`);
    console.log(summarizeCpuProfile(cpuProfileFile));
  }
  if (!PROFILE) {
    mkdirSync(dirname(RESULTS_FILE), { recursive: true });
    const results = rows.map((r) => ({ ...r, cores: machine.cores, date }));
    writeFileSync(RESULTS_FILE, `${JSON.stringify({ date, mode, durationS, machine, config: { ...CFG, sandboxLatencyMs: SANDBOX_LATENCY_MS }, results, details }, null, 2)}\n`);
    console.log(`wrote ${RESULTS_FILE}`);
  }
  await shutdown(0);
}

main().catch(async (error: unknown) => {
  console.error(`bench failed: ${(error as Error).stack ?? String(error)}`);
  for (const c of children) console.error(`--- ${c.name} (${c.logFile})\n${tailOf(c.logFile, 8)}`);
  await shutdown(1);
});
