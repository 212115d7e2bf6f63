/**
 * `npm run bench [-- --quick] [-- --profile] [-- --only=1,2,...]`
 *
 * Builds nothing itself (npm run bench builds first). Starts, from dist/: a private Redis (when `redis-server` is on the
 * PATH; else BENCH_REDIS_URL / REDIS_URL with a unique key prefix), the provider sandbox (stock app + extra L7 policies,
 * scripts/bench/sandbox-host), a bare Fastify baseline, a plain NestJS peer (scripts/bench/peer-server), the gateway and
 * ONE worker (with WORKER_NODE_FLAGS, as every start runs it; BENCH_GATEWAY_NODE_ARGS="--flag ..." passes V8 flags to the gateway
 * for experiments). Load comes from this process (autocannon, undici) — never from inside the gateway. Runs the scenarios of
 * the issue, prints one table and writes bench/results.json.
 *
 *   1 accept path      2xx req/s at max load (autocannon) of the gateway, the NestJS peer and the bare Fastify route, run
 *                      alternately (G,P,B then B,P,G), the gateway's rate limit out of the way; its p50/p99 at half that
 *                      rate (open-loop paced client, measured after a 1 s warm-up that opens its connections)
 *   6 Redis cost       INFO commandstats deltas (minus the idle rate) per operation (accept → delivered webhook) and per poll
 *   2 detection        tasks of 1-20 s (evenly spread, shuffled, submissions staggered): sandbox FINISHED → signed
 *                      operation.completed at the subscriber; GETs per task; vs the official SDK's fixed 3 s schedule
 *   3 task hints       the same with a signed gcore.task.updated sent when each task finishes (runs alongside 2)
 *   5 webhook fan-out  backlog of deliveries built while the queue is paused, then drained by one worker
 *   4 many in flight   10,000 operations with tasks of 30-60 s: completion, lateness of scheduled polls (sampled from the
 *                      task-loop schedule every 20 ms: upper bounds), worker peak RSS (/proc VmHWM)
 *
 * --quick scales every scenario down (whole run well under 2 minutes). --profile runs scenario 1 only with the gateway's
 * V8 CPU profiler on during the max-throughput run and prints the top costs. Sandbox latency and task durations:
 * --sandbox-latency-ms=N (every provider request), --detect-ms=1000-20000, --detect-ops=N, --many-ms=30000-60000,
 * --many-ops=N, --fanout=SUBSxOPS. The gateway and worker run with their defaults (poll schedule, concurrency).
 *
 * This file only orchestrates: options.ts, processes.ts (what runs), http.ts and operations.ts (what the scenarios
 * send), receiver.ts (the subscriber), load.ts, meters.ts, schedules.ts, scenarios/<n>-<name>.ts and report.ts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchContext } from './context';
import { BenchHttp } from './http';
import { tailOf, waitFor } from './lib';
import { PolicyPool, subscribe } from './operations';
import { BenchOptions, parseOptions } from './options';
import { BenchStack, pickEndpoints } from './processes';
import { summarizeCpuProfile } from './profile-summary';
import { WebhookReceiver } from './receiver';
import { BenchResults, describeMachine, printTable, writeResults } from './report';
import { scenarioAccept } from './scenarios/1-accept';
import { scenarioDetection } from './scenarios/2-detection';
import { scenarioManyInFlight } from './scenarios/4-many-in-flight';
import { scenarioFanOut } from './scenarios/5-fan-out';
import { scenarioRedisCost } from './scenarios/6-redis-cost';

/** Runs one scenario; a failure becomes a 'scenario failed' row and the run goes on. */
async function step(results: BenchResults, name: string, fn: () => Promise<void>): Promise<void> {
  const t = Date.now();
  process.stdout.write(`  ${name} … `);
  try {
    await fn();
    console.log(`${((Date.now() - t) / 1000).toFixed(1)} s`);
  } catch (error) {
    console.log(`FAILED: ${(error as Error).message}`);
    results.row({ scenario: name, figure: 'scenario failed', value: null, unit: '', baseline: null, ratio: null, met: false, note: (error as Error).message });
  }
}

async function runScenarios(ctx: BenchContext): Promise<void> {
  const { options, results, receiver } = ctx;
  if (options.enabled('1')) await step(results, '1 accept path', () => scenarioAccept(ctx));
  if (options.profile) {
    await waitFor('cpu profile', () => existsSync(ctx.stack.cpuProfileFile), 15_000, 100).catch(() => undefined);
    return;
  }
  const main = await subscribe(ctx.http, ctx.endpoints.receiver, '/hooks/main', ['operation.completed']);
  receiver.verifyMainWith(main.secret);
  if (options.enabled('6')) await step(results, '6 redis cost', () => scenarioRedisCost(ctx));
  if (options.enabled('2') || options.enabled('3')) {
    await step(results, '2+3 detection (side by side)', () => scenarioDetection(ctx, options.enabled('3'), options.enabled('2')));
  }
  if (options.enabled('5')) await step(results, '5 webhook fan-out', () => scenarioFanOut(ctx));
  if (options.enabled('4')) await step(results, '4 many in flight', () => scenarioManyInFlight(ctx));
}

/** Every operation of the run writes its own sandbox policy: how many the sandbox must seed. */
function policiesNeeded({ config }: BenchOptions): number {
  return config.cost.ops + 2 * config.detect.ops + config.fanout.ops + config.many.ops + 100;
}

async function main(): Promise<void> {
  const started = Date.now();
  const options = parseOptions(process.argv.slice(2));
  const prefix = `bench${Date.now().toString(36)}`;
  const logDir = mkdtempSync(join(tmpdir(), 'rpg-bench-'));
  const apiKey = randomBytes(24).toString('hex');
  const relaySecret = `whsec_${randomBytes(32).toString('base64')}`;
  const endpoints = await pickEndpoints();
  const http = new BenchHttp(apiKey, endpoints.gateway, endpoints.sandbox);
  let receiver: WebhookReceiver | undefined;
  const stack = new BenchStack({ options, endpoints, http, logDir, prefix, apiKey, relaySecret, policies: policiesNeeded(options) }, () => void shutdown(1));
  const shutdown = async (code: number): Promise<never> => {
    await stack.stop();
    receiver?.close();
    await http.close();
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(130));
  process.on('SIGTERM', () => void shutdown(143));

  try {
    const loadBefore = loadavg()[0];
    console.log(`bench (${options.mode}) on ${cpus().length} cores, load average ${loadBefore.toFixed(2)}; logs in ${logDir}`);
    receiver = await WebhookReceiver.listen(endpoints.receiverPort);
    const running = await stack.start();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const redisKind = running.privateRedis ? 'private' : 'shared';
    console.log(`started (${seconds} s): redis ${redisKind} ${running.redisUrl}, prefix ${prefix}, sandbox latency ${options.sandboxLatencyMs} ms`);

    const results = new BenchResults();
    const ctx: BenchContext = {
      options,
      config: options.config,
      stack: running,
      endpoints,
      http,
      receiver,
      results,
      policies: new PolicyPool(),
      apiKey,
      relaySecret,
    };
    await runScenarios(ctx);

    const date = new Date().toISOString();
    const machine = describeMachine(loadBefore);
    const durationS = (Date.now() - started) / 1000;
    printTable(results.rows);
    const load = `load average ${loadBefore.toFixed(2)} → ${machine.loadAverage1m.after.toFixed(2)}`;
    console.log(
      `\n${options.mode} run: ${durationS.toFixed(0)} s on ${machine.cores} cores (${machine.cpu}); ${load}; bad signatures ${receiver.badSignatures}`,
    );
    if (options.profile && existsSync(running.cpuProfileFile)) {
      console.log(`\ngateway CPU profile (max-throughput run): ${running.cpuProfileFile}`);
      console.log(summarizeCpuProfile(running.cpuProfileFile));
    }
    if (!options.profile) {
      const config = { ...options.config, sandboxLatencyMs: options.sandboxLatencyMs };
      writeResults({ file: options.resultsFile, date, mode: options.mode, durationS, machine, config, results });
      console.log(`wrote ${options.resultsFile}`);
    }
  } catch (error) {
    console.error(`bench failed: ${(error as Error).stack ?? String(error)}`);
    for (const c of stack.children) console.error(`--- ${c.name} (${c.logFile})\n${tailOf(c.logFile, 8)}`);
    await shutdown(1);
  }
  await shutdown(0);
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
