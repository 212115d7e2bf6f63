/**
 * 1 accept path: 2xx requests/s at max load (autocannon, the same client and body for all three) of the gateway, the
 * plain NestJS peer (scripts/bench/peer-server) and the bare Fastify route, run alternately: `rounds` rounds, the order
 * reversed every other round (G,P,B then B,P,G: a steady drift of the machine weighs on all three alike), each run after
 * its own unmeasured warm-up, all after a longer unmeasured first load of each (primeS: a freshly started process is
 * still compiling its hot path, which a 1 s warm-up does not cover); after each, what the worker had not yet handed
 * to BullMQ is waited for, so that its dispatch never runs into the next subject's run. Then the gateway's p50/p99 at
 * half its max rate (open-loop paced client, measured after a 1 s warm-up that opens its connections), then the peer's
 * and bare Fastify's at that same rate (the p99 this machine and client allow at all) and the gateway's with the
 * worker stopped.
 *
 * The gateway runs with RATE_LIMIT_PER_MINUTE out of the way (processes.ts); the peer and bare have no limiter. Every
 * non-2xx answer is counted: a run answered with 429 or 5xx measures nothing, so the goal is not met then.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { request } from 'undici';
import { BenchContext } from '../context';
import { fmt, maxOf, mean, percentile } from '../lib';
import { maxLoad, pacedLoad } from '../load';
import { CpuUse, cpuMeter, cpuNote, readPauses } from '../meters';
import { untilDispatched, updateBody } from '../operations';
import { BENCH_RATE_LIMIT_PER_MINUTE } from '../processes';
import { ratio } from '../report';
import { cpuUsPerRequest, reportAcceptCpu } from './accept-cpu';

type Subject = 'gateway' | 'traced' | 'peer' | 'bare';
const SUBJECTS: Subject[] = ['gateway', 'traced', 'peer', 'bare'];
const LABEL: Record<Subject, string> = { gateway: 'gateway', traced: 'gateway, tracing on', peer: 'NestJS peer', bare: 'bare Fastify' };
const LETTER: Record<Subject, string> = { gateway: 'G', traced: 'T', peer: 'P', bare: 'B' };
/** The process whose CPU a subject's runs are about. */
const PROCESS: Record<Subject, string> = { gateway: 'gateway', traced: 'gateway-traced', peer: 'nest-peer', bare: 'bare-fastify' };

/** One measured max-load run (and what its warm-up saw). autocannon's `errors` include its timeouts. */
interface Run {
  subject: Subject;
  round: number;
  ok: number;
  seconds: number;
  rps: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  latency: { p50: number; p99: number; max: number };
  cpu: CpuUse;
  warmup: { ok: number; non2xx: number; errors: number };
  /** Operations the worker had not handed to BullMQ yet when the run ended, and how long until it had. */
  dispatch: { backlog: number; drainMs: number };
}

/** All runs of one subject. */
interface Totals {
  rps: number;
  perRound: number[];
  ok: number;
  seconds: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  warmupNon2xx: number;
  warmupErrors: number;
  statusCodes: Record<string, number>;
  cpuPercent: CpuUse;
}

/** The runs of one subject; `prime` (its first unmeasured load) counts with the warm-ups' answers. */
function totalsOf(runs: Run[], prime: { non2xx: number; errors: number }): Totals {
  const sum = (f: (r: Run) => number): number => runs.reduce((a, r) => a + f(r), 0);
  const statusCodes: Record<string, number> = {};
  for (const r of runs) for (const [code, n] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  const cpuPercent: CpuUse = {};
  for (const name of Object.keys(runs[0]?.cpu ?? {})) cpuPercent[name] = Math.round(mean(runs.map((r) => r.cpu[name])));
  const ok = sum((r) => r.ok);
  const seconds = sum((r) => r.seconds);
  return {
    rps: seconds > 0 ? ok / seconds : 0,
    perRound: runs.map((r) => r.rps),
    ok,
    seconds,
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    warmupNon2xx: prime.non2xx + sum((r) => r.warmup.non2xx),
    warmupErrors: prime.errors + sum((r) => r.warmup.errors),
    statusCodes,
    cpuPercent,
  };
}

/** The worker's dispatch backlog at the end of the gateway's runs (WORKER_NICENESS lets the gateway go first). */
function backlogNote(runs: Run[]): string {
  const mine = runs.filter((r) => r.subject === 'gateway');
  const most = Math.max(0, ...mine.map((r) => r.dispatch.backlog));
  const longest = Math.max(0, ...mine.map((r) => r.dispatch.drainMs));
  const backlog = `operations not yet handed to BullMQ at the end of a gateway run: at most ${most}`;
  return `${backlog}, all handed over ${longest} ms later (waited for, before the next run)`;
}

const clean = (t: Totals): boolean => t.non2xx + t.errors + t.warmupNon2xx + t.warmupErrors === 0;

/** `non-2xx 0, errors 0` plus the status codes other than 2xx, when there are any. */
function answersNote(t: Totals): string {
  const other = Object.entries(t.statusCodes).filter(([code]) => !code.startsWith('2'));
  const codes = other.length ? ` (${other.map(([code, n]) => `${code}×${n}`).join(', ')})` : '';
  const warm = t.warmupNon2xx + t.warmupErrors ? `; warm-ups: non-2xx ${t.warmupNon2xx}, errors ${t.warmupErrors}` : '';
  return `non-2xx ${t.non2xx}${codes}, errors ${t.errors}${warm}`;
}

/** The limit the gateway reports (X-RateLimit-Limit) on one accepted request: proves the bench's setting took. */
async function gatewayRateLimit(url: string, apiKey: string): Promise<string> {
  const res = await request(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: updateBody(randomUUID(), 'bench-accept'),
  });
  await res.body.dump();
  if (res.statusCode !== 202) throw new Error(`gateway answered ${res.statusCode} to the accept check`);
  return String(res.headers['x-ratelimit-limit'] ?? '?');
}

/** Unlinks every key the peer wrote (operation records and its BullMQ queue), so later scenarios find Redis as before. */
async function removePeerKeys({ stack }: BenchContext): Promise<number> {
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await stack.redis.scan(cursor, 'MATCH', `{${stack.prefix}}:peer:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) removed += await stack.redis.unlink(...keys);
  } while (cursor !== '0');
  return removed;
}

export async function scenarioAccept(ctx: BenchContext): Promise<void> {
  const { config, options, stack, endpoints, results, apiKey } = ctx;
  const { connections, primeS, warmS, durationS, rounds, pacedS } = config.accept;
  const path = '/v1/routing-policy-updates';
  const url: Record<Subject, string> = {
    gateway: endpoints.gateway + path,
    traced: endpoints.tracedGateway + path,
    peer: endpoints.peer + path,
    bare: endpoints.bare + path,
  };
  const body = (): string => updateBody(randomUUID(), 'bench-accept');
  const providerCalls = stack.queues['provider-calls'];
  // the accept path never calls providers: hold the provider calls so one worker draining them does not share the CPU
  await providerCalls.pause();
  const rateLimitHeader = await gatewayRateLimit(url.gateway, apiKey);

  const primes = {} as Record<Subject, { ok: number; non2xx: number; errors: number }>;
  for (const subject of SUBJECTS) {
    const r = await maxLoad(url[subject], apiKey, body, { connections, durationS: primeS });
    primes[subject] = { ok: r['2xx'], non2xx: r.non2xx, errors: r.errors };
    await untilDispatched(stack.redis, stack.prefix);
  }

  const runs: Run[] = [];
  const order: Subject[] = [];
  let profiled = false;
  for (let round = 0; round < rounds; round++) {
    const subjects: Subject[] = round % 2 === 0 ? SUBJECTS : [...SUBJECTS].reverse();
    for (const subject of subjects) {
      order.push(subject);
      const warm = await maxLoad(url[subject], apiKey, body, { connections, durationS: warmS });
      // profile-preload.js: SIGWINCH starts the gateway's CPU profiler, the next one stops it (first gateway run only)
      const profile = options.profile && subject === 'gateway' && !profiled;
      if (profile) stack.gateway.proc.kill('SIGWINCH');
      const cpu = cpuMeter(stack.children);
      const r = await maxLoad(url[subject], apiKey, body, { connections, durationS });
      const cpuUse = cpu();
      if (profile) {
        stack.gateway.proc.kill('SIGWINCH');
        profiled = true;
      }
      // the worker catches up before the next run, which would otherwise share the cores with its dispatch
      const dispatch = await untilDispatched(stack.redis, stack.prefix);
      const seconds = r.duration > 0 ? r.duration : durationS;
      const statusCodes = Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => [code, s.count]));
      runs.push({
        subject,
        round: round + 1,
        ok: r['2xx'],
        seconds,
        rps: r['2xx'] / seconds,
        non2xx: r.non2xx,
        errors: r.errors,
        timeouts: r.timeouts,
        statusCodes,
        latency: { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max },
        cpu: cpuUse,
        warmup: { ok: warm['2xx'], non2xx: warm.non2xx, errors: warm.errors },
        dispatch,
      });
    }
  }
  const totals = {} as Record<Subject, Totals>;
  for (const s of SUBJECTS)
    totals[s] = totalsOf(
      runs.filter((r) => r.subject === s),
      primes[s],
    );
  const { gateway: g, traced: t, peer: p, bare: b } = totals;

  const half = Math.max(1, Math.floor(g.rps / 2));
  // where a slow answer comes from: the gateway's event-loop delay and GC pauses (pause-meter-preload, between two
  // SIGUSR2), and the load client's own event-loop delay (its lateness counts in the latency from the due time)
  rmSync(stack.pausesFile, { force: true });
  stack.gateway.proc.kill('SIGUSR2');
  const clientDelay = monitorEventLoopDelay({ resolution: 2 });
  clientDelay.enable();
  const paced = await pacedLoad(url.gateway, apiKey, half, pacedS, body);
  clientDelay.disable();
  stack.gateway.proc.kill('SIGUSR2');
  const pauses = await readPauses(stack.pausesFile);
  const clientLoop = { p99: clientDelay.percentile(99) / 1e6, max: clientDelay.max / 1e6 };
  const lat = paced.latencies;
  const bad = paced.bad;
  const p50 = percentile(lat, 50);
  const p99 = percentile(lat, 99);
  // the same paced load on the peer and on bare Fastify (what this machine and client allow at that rate), and on the
  // gateway with the worker stopped (SIGSTOP: its dispatcher's share of the cores and of Redis; it catches up after)
  const pacedAtHalf = async (subject: Subject) => {
    const r = await pacedLoad(url[subject], apiKey, half, pacedS, body);
    return { p50: percentile(r.latencies, 50), p99: percentile(r.latencies, 99), non202: r.bad };
  };
  const peerAtHalf = await pacedAtHalf('peer');
  const bareAtHalf = await pacedAtHalf('bare');
  stack.worker.proc.kill('SIGSTOP');
  const workerStopped = await pacedAtHalf('gateway').finally(() => stack.worker.proc.kill('SIGCONT'));
  const sameRate = { peer: peerAtHalf, bare: bareAtHalf, workerStopped };
  const removedPeerKeys = await removePeerKeys(ctx);

  const perRoundRatio = (a: Totals, c: Totals): string => a.perRound.map((x, i) => `${fmt(ratio(x, c.perRound[i]) ?? 0, 2)}×`).join(', ');
  const orderText = Array.from({ length: rounds }, (_, i) =>
    order
      .slice(SUBJECTS.length * i, SUBJECTS.length * (i + 1))
      .map((s) => LETTER[s])
      .join(','),
  ).join(' then ');
  const shape =
    `after a ${primeS} s first load of each, ${rounds} rounds (${orderText}), each ${durationS} s after a ${warmS} s warm-up, ` +
    `${connections} connections, the same autocannon client and body`;
  const rateLimit =
    `rate limit out of the way: gateway RATE_LIMIT_PER_MINUTE=${BENCH_RATE_LIMIT_PER_MINUTE} per API key ` +
    `(X-RateLimit-Limit ${rateLimitHeader}), the peer and bare have none`;

  results.details.accept = {
    order: orderText,
    rounds,
    connections,
    primeS,
    primes,
    warmS,
    durationS,
    rateLimit: { gatewayRateLimitPerMinute: BENCH_RATE_LIMIT_PER_MINUTE, gatewayXRateLimitLimit: rateLimitHeader },
    gatewayMax: g,
    tracedGatewayMax: t,
    otlpSink: { ...stack.otlpSink },
    peerMax: p,
    bareMax: b,
    runs,
    halfRate: {
      client: 'open-loop, evenly paced (undici pool)',
      targetRps: half,
      achievedRps: paced.sent / paced.seconds,
      durationS: pacedS,
      samples: lat.length,
      non202: bad,
      p50,
      p90: percentile(lat, 90),
      p99,
      max: maxOf(lat),
      fromSendTime: { p50: percentile(paced.service, 50), p99: percentile(paced.service, 99) },
      gatewayPauses: pauses,
      clientEventLoopDelayMs: clientLoop,
      sameRate,
    },
    removedPeerKeys,
    // the worker's CPU niceness in these runs (its default unless the bench's environment sets one)
    workerNiceness: process.env.WORKER_NICENESS ?? 'default (10)',
  };

  const gpRatio = ratio(g.rps, p.rps);
  const bothClean = clean(g) && clean(p);
  results.row({
    scenario: '1 accept',
    figure: 'max 2xx req/s: gateway vs NestJS peer',
    value: g.rps,
    unit: 'req/s',
    baseline: p.rps,
    baselineLabel: LABEL.peer,
    ratio: gpRatio,
    goal: 'ratio ≥ 1.5',
    met: bothClean && (gpRatio ?? 0) >= 1.5,
    note:
      `${bothClean ? '' : 'NOT CLEAN (a run answered with other than 2xx measures nothing); '}${rateLimit}; ` +
      `gateway ${answersNote(g)}; peer ${answersNote(p)}; ${shape}; per round ${perRoundRatio(g, p)}; ` +
      `during the gateway runs ${cpuNote(g.cpuPercent)}; ${backlogNote(runs)}`,
  });
  const gbRatio = ratio(g.rps, b.rps);
  results.row({
    scenario: '1 accept',
    figure: 'max 2xx req/s: gateway vs bare Fastify',
    value: g.rps,
    unit: 'req/s',
    baseline: b.rps,
    baselineLabel: LABEL.bare,
    ratio: gbRatio,
    goal: 'report',
    note: `bare ${answersNote(b)}; per round ${perRoundRatio(g, b)}`,
  });
  const peerCpu = cpuNote(p.cpuPercent, [PROCESS.peer]);
  results.row({
    scenario: '1 accept',
    figure: 'max 2xx req/s: NestJS peer vs bare Fastify',
    value: p.rps,
    unit: 'req/s',
    baseline: b.rps,
    baselineLabel: LABEL.bare,
    ratio: ratio(p.rps, b.rps),
    goal: 'report',
    note: `per round ${perRoundRatio(p, b)}; during the peer runs ${peerCpu}`,
  });

  // CPU time per accepted request holds on a busy machine, where req/s follow whatever else runs
  reportAcceptCpu(results, { gateway: g, peer: p, bare: b, traced: t }, stack.privateRedis);

  // the same gateway with tracing on (OTLP export to a local sink), side by side with it in the same rounds
  const tg = ratio(t.rps, g.rps);
  results.row({
    scenario: '1 accept',
    figure: 'max 2xx req/s: gateway with tracing on vs off',
    value: t.rps,
    unit: 'req/s',
    baseline: g.rps,
    baselineLabel: LABEL.gateway,
    ratio: tg,
    goal: 'report',
    note:
      `${clean(t) ? '' : 'NOT CLEAN; '}tracing on: OTEL_EXPORTER_OTLP_ENDPOINT → a local sink answering 200 ` +
      `(${stack.otlpSink.requests} exports, ${fmt(stack.otlpSink.bytes / 1e6, 1)} MB in the whole run); traced ${answersNote(t)}; ` +
      `per round ${perRoundRatio(t, g)}; during its runs ${cpuNote(t.cpuPercent, [PROCESS.traced])}`,
  });
  const tCpu = cpuUsPerRequest(t, [PROCESS.traced]);
  const gOnlyCpu = cpuUsPerRequest(g, ['gateway']);
  results.row({
    scenario: '1 accept',
    figure: 'gateway CPU µs per accepted request: tracing on vs off',
    value: tCpu,
    unit: 'µs',
    baseline: gOnlyCpu,
    baselineLabel: 'gateway, tracing off',
    ratio: gOnlyCpu > 0 ? tCpu / gOnlyCpu : null,
    goal: 'report',
    note:
      'the gateway process alone; 6 spans per accept (HTTP server span, fastify request and handler, operation.create, ' +
      'the EVALSHA of the rate limit and of the create script) and their batched OTLP export',
  });

  const achieved = Math.round(paced.sent / paced.seconds);
  const halfNote =
    `gateway, open-loop, evenly paced: ${half} req/s due, ${achieved} req/s sent over ${fmt(paced.seconds, 1)} s; ` +
    `latency from the due time (from the actual send: p99 ${fmt(percentile(paced.service, 99))} ms)${bad ? `; ${bad} non-202` : ''}`;
  results.row({ scenario: '1 accept', figure: 'p50 latency @ ½ max rate', value: p50, unit: 'ms', baseline: null, ratio: null });
  results.row({
    scenario: '1 accept',
    figure: 'p99 latency @ ½ max rate',
    value: p99,
    unit: 'ms',
    baseline: sameRate.peer.p99,
    baselineLabel: 'NestJS peer at the same rate',
    ratio: ratio(p99, sameRate.peer.p99),
    goal: '≤ 15 ms',
    met: p99 <= 15 && bad === 0,
    note:
      `${halfNote}; the same paced load, measured after the gateway's: bare Fastify p99 ${fmt(sameRate.bare.p99)} ms ` +
      `(the floor of this client and machine); the gateway with the worker stopped p99 ${fmt(sameRate.workerStopped.p99)} ms`,
  });
  if (pauses) {
    const gc = pauses.gc;
    results.row({
      scenario: '1 accept',
      figure: '  where the p99 waits: gateway event-loop delay p99 / max',
      value: pauses.eventLoopDelayMs.p99,
      unit: 'ms',
      baseline: null,
      ratio: null,
      goal: 'report',
      note:
        `max ${fmt(pauses.eventLoopDelayMs.max)} ms (2 ms resolution); gateway GC ${gc.count} pauses, ${fmt(gc.totalMs)} ms in all ` +
        `(${fmt((gc.totalMs / pauses.windowMs) * 100, 1)} % of the window), longest ${fmt(gc.maxMs)} ms; ` +
        `load client's own event-loop delay p99 ${fmt(clientLoop.p99)} / max ${fmt(clientLoop.max)} ms`,
    });
  }

  await providerCalls.drain(true);
  await providerCalls.resume();
}
