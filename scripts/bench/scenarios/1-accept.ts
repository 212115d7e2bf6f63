/**
 * 1 accept path: autocannon max throughput vs the bare Fastify route; p50/p99 at half that rate (open-loop paced
 * client, measured after a 1 s warm-up that opens its connections).
 */
import { randomUUID } from 'node:crypto';
import { BenchContext } from '../context';
import { fmt, maxOf, percentile } from '../lib';
import { maxLoad, pacedLoad } from '../load';
import { cpuMeter, cpuNote } from '../meters';
import { updateBody } from '../operations';
import { ratio } from '../report';

export async function scenarioAccept({ config, options, stack, endpoints, results, apiKey }: BenchContext): Promise<void> {
  const { connections, warmS, durationS } = config.accept;
  const gw = `${endpoints.gateway}/v1/routing-policy-updates`;
  const bare = `${endpoints.bare}/v1/routing-policy-updates`;
  const body = (): string => updateBody(randomUUID(), 'bench-accept');
  const providerCalls = stack.queues['provider-calls'];
  // the accept path never calls providers: hold the provider calls so one worker draining them does not share the CPU
  await providerCalls.pause();

  await maxLoad(gw, apiKey, body, { connections, durationS: warmS });
  // profile-preload.js: SIGWINCH starts the gateway's CPU profiler, the next one stops it
  if (options.profile) stack.gateway.proc.kill('SIGWINCH');
  const cpu = cpuMeter(stack.children);
  const gMax = await maxLoad(gw, apiKey, body, { connections, durationS });
  const cpuUse = cpu();
  if (options.profile) stack.gateway.proc.kill('SIGWINCH');
  await maxLoad(bare, apiKey, body, { connections, durationS: warmS });
  const bMax = await maxLoad(bare, apiKey, body, { connections, durationS });

  const gRps = gMax['2xx'] / durationS;
  const bRps = bMax['2xx'] / durationS;
  const half = Math.max(1, Math.floor(gRps / 2));
  const paced = await pacedLoad(gw, apiKey, half, durationS, body);
  const lat = paced.latencies;
  const bad = paced.bad;
  const p50 = percentile(lat, 50);
  const p99 = percentile(lat, 99);
  results.details.accept = {
    gatewayMax: {
      cpuPercent: cpuUse,
      rps: gRps,
      non2xx: gMax.non2xx,
      errors: gMax.errors,
      timeouts: gMax.timeouts,
      latency: gMax.latency,
      statusCodes: gMax.statusCodeStats,
    },
    bareMax: { rps: bRps, non2xx: bMax.non2xx, errors: bMax.errors, latency: bMax.latency },
    halfRate: {
      client: 'open-loop, evenly paced (undici pool)',
      targetRps: half,
      achievedRps: paced.sent / paced.seconds,
      samples: lat.length,
      non202: bad,
      p50,
      p90: percentile(lat, 90),
      p99,
      max: maxOf(lat),
      fromSendTime: { p50: percentile(paced.service, 50), p99: percentile(paced.service, 99) },
    },
    connections,
    durationS,
  };
  const clean = gMax.non2xx === 0 && gMax.errors === 0;
  const maxNote = `${clean ? '' : `non-2xx ${gMax.non2xx}, errors ${gMax.errors}; `}${connections} connections; during the gateway run ${cpuNote(cpuUse)}`;
  const maxRatio = ratio(gRps, bRps);
  results.row({
    scenario: '1 accept',
    figure: 'max throughput (req/s)',
    value: gRps,
    unit: 'req/s',
    baseline: bRps,
    baselineLabel: 'bare Fastify',
    ratio: maxRatio,
    goal: 'ratio ≥ 0.5',
    met: (maxRatio ?? 0) >= 0.5,
    note: maxNote,
  });
  const achieved = Math.round(paced.sent / paced.seconds);
  const halfNote =
    `open-loop, evenly paced: ${half} req/s due, ${achieved} req/s sent over ${fmt(paced.seconds, 1)} s; ` +
    `latency from the due time (from the actual send: p99 ${fmt(percentile(paced.service, 99))} ms)${bad ? `; ${bad} non-202` : ''}`;
  results.row({ scenario: '1 accept', figure: 'p50 latency @ ½ max rate', value: p50, unit: 'ms', baseline: null, ratio: null });
  results.row({
    scenario: '1 accept',
    figure: 'p99 latency @ ½ max rate',
    value: p99,
    unit: 'ms',
    baseline: null,
    ratio: null,
    goal: '≤ 15 ms',
    met: p99 <= 15 && bad === 0,
    note: halfNote,
  });

  await providerCalls.drain(true);
  await providerCalls.resume();
}
