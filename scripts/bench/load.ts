/** The load clients of the accept-path scenario: closed-loop max throughput (autocannon) and an open-loop paced client. */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import autocannon from 'autocannon';
import { sleep } from './lib';

/** As many POSTs as `connections` keep-alive connections carry for `durationS` seconds; `body` builds each one. */
export function maxLoad(url: string, apiKey: string, body: () => string, load: { connections: number; durationS: number }) {
  return autocannon({
    url,
    method: 'POST',
    connections: load.connections,
    duration: load.durationS,
    timeout: 10,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, body: body() }) }],
  });
}

export interface PacedResult {
  /** ms from the time each measured request was due to its answer. */
  latencies: number[];
  /** ms from the time each measured request was sent to its answer. */
  service: number[];
  /** Answers other than 202, and failed requests. */
  bad: number;
  /** Requests sent after the warm-up. */
  sent: number;
  seconds: number;
}

/**
 * Open-loop load at a fixed rate, evenly paced (autocannon's rate limit fires each connection's quota in a burst at the
 * start of every second, which measures burst queueing rather than latency at a rate). Latency runs from the moment a
 * request was due, so a stalled client or server cannot hide queueing (no coordinated omission). Runs warmS + durationS
 * seconds; only requests due after the first warmS seconds are measured (the pool opens its connections meanwhile).
 */
export async function pacedLoad(url: string, apiKey: string, rate: number, durationS: number, body: () => string, warmS = 1): Promise<PacedResult> {
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
