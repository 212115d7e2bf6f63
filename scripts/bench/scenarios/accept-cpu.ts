/**
 * Scenario 1's CPU figures: what an accepted request costs in each process of the machine (the server, the worker,
 * Redis, the load client), and the req/s ceiling those costs set on this machine: a single-process server cannot pass
 * one core, and all processes together cannot pass every core. The ratio of two ceilings is the best ratio this
 * machine allows the two servers as they are, whatever the load client does.
 */
import { cpus } from 'node:os';
import { fmt } from '../lib';
import { CpuUse } from '../meters';
import { BenchResults } from '../report';

/** The measured max-load runs of one server: 2xx answers, seconds, and each process's mean CPU % of a core. */
export interface CpuRuns {
  ok: number;
  seconds: number;
  cpuPercent: CpuUse;
}

/** CPU µs the processes `names` spent per 2xx answer. */
export const cpuUsPerRequest = (t: CpuRuns, names: string[]): number =>
  t.ok > 0 ? ((names.reduce((a, n) => a + (t.cpuPercent[n] ?? 0), 0) / 100) * t.seconds * 1e6) / t.ok : 0;

export interface CpuBudget {
  /** µs per accepted request, by process (those that spent any). */
  byProcess: Record<string, number>;
  totalUs: number;
  /** Mean CPU of all processes, % of all cores: how much of the machine the runs used. */
  machineBusyPercent: number;
  /** min(one core ÷ the server process's µs, all cores ÷ every process's µs). */
  ceilingRps: number;
}

export function cpuBudget(t: CpuRuns, server: string, cores = cpus().length): CpuBudget {
  const byProcess: Record<string, number> = {};
  for (const name of Object.keys(t.cpuPercent)) {
    const us = cpuUsPerRequest(t, [name]);
    if (us >= 1) byProcess[name] = us;
  }
  const totalUs = Object.values(byProcess).reduce((a, b) => a + b, 0);
  const serverUs = byProcess[server] ?? 0;
  const busy = Object.values(t.cpuPercent).reduce((a, b) => a + b, 0);
  return {
    byProcess,
    totalUs,
    machineBusyPercent: busy / cores,
    ceilingRps: totalUs > 0 && serverUs > 0 ? Math.min(1e6 / serverUs, (cores * 1e6) / totalUs) : 0,
  };
}

const listOf = (b: CpuBudget): string =>
  Object.entries(b.byProcess)
    .sort((x, y) => y[1] - x[1])
    .map(([n, us]) => `${n} ${fmt(us, 0)}`)
    .join(', ');

/**
 * Two rows: the server's own CPU per request (the gateway's with its worker's dispatch) against the peer's, and every
 * process's CPU per request with the ceiling it sets, the gateway's against the peer's. `redisMetered`: Redis is the
 * bench's own child process (a shared Redis is not among the processes measured).
 */
export function reportAcceptCpu(results: BenchResults, runs: { gateway: CpuRuns; peer: CpuRuns; bare: CpuRuns; traced: CpuRuns }, redisMetered: boolean): void {
  const { gateway: g, peer: p, bare: b, traced: t } = runs;
  const gCpu = cpuUsPerRequest(g, ['gateway', 'worker']);
  const pCpu = cpuUsPerRequest(p, ['nest-peer']);
  const gBudget = cpuBudget(g, 'gateway');
  const pBudget = cpuBudget(p, 'nest-peer');
  Object.assign(results.details.accept as Record<string, unknown>, {
    cpuUsPerRequest: {
      gatewayAndWorker: gCpu,
      gatewayOnly: cpuUsPerRequest(g, ['gateway']),
      peer: pCpu,
      bare: cpuUsPerRequest(b, ['bare-fastify']),
      tracedGatewayOnly: cpuUsPerRequest(t, ['gateway-traced']),
    },
    cpuBudget: { gateway: gBudget, peer: pBudget },
  });
  results.row({
    scenario: '1 accept',
    figure: 'CPU µs per accepted request: peer vs gateway',
    value: gCpu,
    unit: 'µs',
    baseline: pCpu,
    baselineLabel: 'NestJS peer',
    ratio: gCpu > 0 ? pCpu / gCpu : null,
    goal: 'report',
    note:
      `gateway + worker (the worker's dispatcher does the BullMQ add the peer does in-request; gateway alone ` +
      `${fmt(cpuUsPerRequest(g, ['gateway']))} µs); bare Fastify ${fmt(cpuUsPerRequest(b, ['bare-fastify']))} µs; ` +
      'ratio = peer ÷ gateway (> 1: the gateway spends less)',
  });
  const ceilingRatio = pBudget.ceilingRps > 0 ? gBudget.ceilingRps / pBudget.ceilingRps : null;
  // what every process together may spend per request for 1.5× the peer's ceiling with both cores fully busy
  const allowedUs = pBudget.ceilingRps > 0 ? (cpus().length * 1e6) / (1.5 * pBudget.ceilingRps) : 0;
  results.row({
    scenario: '1 accept',
    figure: '  the ceiling those costs set: gateway vs peer req/s',
    value: gBudget.ceilingRps,
    unit: 'req/s',
    baseline: pBudget.ceilingRps,
    baselineLabel: 'NestJS peer',
    ratio: ceilingRatio,
    goal: 'report',
    note:
      `CPU µs per accepted request in every process, gateway runs: ${listOf(gBudget)} (total ${fmt(gBudget.totalUs, 0)}; ` +
      `machine ${fmt(gBudget.machineBusyPercent, 0)} % busy); peer runs: ${listOf(pBudget)} (total ${fmt(pBudget.totalUs, 0)}; ` +
      `machine ${fmt(pBudget.machineBusyPercent, 0)} % busy). Ceiling = min(one core ÷ the server's µs, ${cpus().length} cores ÷ the ` +
      `total): the best req/s of these costs on this machine. 1.5× the peer's ceiling allows ≤ ${fmt(allowedUs, 0)} µs in all ` +
      `per gateway request, load client and Redis included, with every core busy` +
      (redisMetered ? '' : ". Redis NOT metered (a shared Redis, not the bench's own): its CPU is missing and both ceilings read high"),
  });
}
