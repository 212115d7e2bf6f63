/**
 * `npm run soak`: sandbox, worker and gateway as separate processes; a steady mix of updates (Gcore L7 with tasks, Gcore
 * load balancers, Apinizer policies) for SOAK_SECONDS (default 120) at SOAK_RATE requests/s (default 25), with a webhook
 * subscriber. Samples memory and backlog every 10 s, then checks: 0 errors, every operation SUCCEEDED, every
 * operation.completed delivered, memory and backlog flat. Exit code 1 when a check fails.
 *
 * Optional outage phase (issue #20): SOAK_OUTAGE_SECONDS=180 makes both providers answer 503 to everything for that
 * long, starting SOAK_OUTAGE_AT seconds in (default 30), at the default PROVIDER_OUTAGE_BUDGET_MS (10 min). The checks
 * then also require: readiness stayed 200 and showed both providers down during the outage, and up again after it
 * (every operation still SUCCEEDED). Give SOAK_SECONDS room for it, e.g. SOAK_SECONDS=300 SOAK_OUTAGE_SECONDS=180.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Child, freePort, percentile, rssOf, sleep, spawnNode, stopChild, tailOf, waitFor } from './bench/lib';
import { WORKER_NODE_FLAGS } from './node-flags';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 120);
const RATE = Number(process.env.SOAK_RATE ?? 25);
const OUTAGE_SECONDS = Number(process.env.SOAK_OUTAGE_SECONDS ?? 0);
const OUTAGE_AT = Number(process.env.SOAK_OUTAGE_AT ?? 30);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const KEY = 'soak-key-0000000001';
const dist = join(__dirname, '..', 'apps');
const l7 = (n: number) => `d1b2c3d4-0000-4000-8000-${String(n).padStart(12, '0')}`;
const LBS = ['a1b2c3d4-0000-4000-8000-000000000001', 'a1b2c3d4-0000-4000-8000-000000000002'];

function update(i: number): unknown {
  const kind = i % 6;
  if (kind === 0)
    return { target: { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 76, id: l7(1 + (((i / 6) % 12) | 0)) }, changes: { name: `soak-${i}` } };
  if (kind <= 3)
    return { target: { provider: 'gcore', kind: 'loadbalancer', projectId: 1, regionId: 76, id: LBS[i % 2] }, changes: { tags: { soak: String(i) } } };
  return {
    target: { provider: 'apinizer', kind: 'policy', projectName: 'demo', apiProxyName: 'petstore', policyName: `spare-${1 + (i % 6)}` },
    changes: { policy: { messageCountForInterval: 10 + (i % 1000) } },
  };
}

async function main(): Promise<void> {
  const logDir = mkdtempSync(join(tmpdir(), 'rpg-soak-'));
  const [port, sandboxPort, metricsPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const prefix = `soak${Date.now().toString(36)}`;
  const received = new Set<string>();
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const event = JSON.parse(body) as { type: string; data: { id?: string } };
      if (event.type === 'operation.completed' && event.data.id) received.add(event.data.id);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    PORT: String(port),
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    API_KEYS: `soak:${KEY}:*`,
    GCORE_API_URL: sandboxUrl,
    GCORE_API_KEY: 'sandbox-gcore-key',
    APINIZER_API_URL: sandboxUrl,
    APINIZER_API_TOKEN: 'sandbox-apinizer-token',
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    RATE_LIMIT_PER_MINUTE: '100000000',
    WORKER_METRICS_PORT: String(metricsPort),
    LOG_LEVEL: 'warn',
  };
  const children: Child[] = [
    spawnNode('sandbox', join(dist, 'provider-sandbox/src/main.js'), { ...env, SANDBOX_PORT: String(sandboxPort), SANDBOX_TASK_DURATION_MS: '800' }, logDir),
    spawnNode('worker', join(dist, 'worker/src/main.js'), env, logDir, [...WORKER_NODE_FLAGS]),
    spawnNode('gateway', join(dist, 'gateway/src/main.js'), env, logDir),
  ];
  const redis = new Redis(REDIS_URL);
  const base = `http://127.0.0.1:${port}`;
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  const ids: string[] = [];
  let errors = 0;
  const latencies: number[] = [];
  try {
    await waitFor('gateway ready', async () => (await fetch(`${base}/health/ready`).catch(() => null))?.ok, 30_000);
    const sub = await fetch(`${base}/v1/webhook-subscriptions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ url: hookUrl, events: ['operation.completed'] }),
    });
    if (sub.status !== 201) throw new Error(`subscribe failed: ${sub.status}`);

    const samples: { t: number; gatewayMb: number; workerMb: number; backlog: number; accepted: number }[] = [];
    const backlog = async () => {
      const [pending, running] = await Promise.all([redis.zcard(`{${prefix}}:ops:status:PENDING`), redis.zcard(`{${prefix}}:ops:status:RUNNING`)]);
      return pending + running;
    };
    const sample = async (t: number) => {
      samples.push({
        t,
        gatewayMb: rssOf(children[2].proc.pid!)?.rssMb ?? NaN,
        workerMb: rssOf(children[1].proc.pid!)?.rssMb ?? NaN,
        backlog: await backlog(),
        accepted: ids.length,
      });
    };
    // the outage phase: every provider request answers 503 from OUTAGE_AT for OUTAGE_SECONDS; readiness is watched meanwhile
    const outage = { started: false, ended: false, readySamples: 0, notReady: 0, sawDown: false, upAfter: false };
    const sandboxFaults = (method: string, body?: unknown) =>
      fetch(`${sandboxUrl}/__sandbox/faults`, {
        method,
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
    const providersOf = async () => {
      const res = await fetch(`${base}/health/ready`);
      const body = (await res.json()) as { details?: { providers?: Record<string, { status?: string }> } };
      return { ok: res.status === 200, providers: body.details?.providers ?? {} };
    };
    const outageStep = async (elapsedMs: number) => {
      if (!OUTAGE_SECONDS) return;
      if (!outage.started && elapsedMs >= OUTAGE_AT * 1000) {
        outage.started = true;
        await sandboxFaults('POST', { path: '/', status: 503, count: -1, body: { message: 'soak outage' } });
        console.log(`outage: providers answer 503 for ${OUTAGE_SECONDS} s`);
      } else if (outage.started && !outage.ended) {
        const { ok, providers } = await providersOf();
        outage.readySamples++;
        if (!ok) outage.notReady++;
        if (providers.gcore?.status === 'down' && providers.apinizer?.status === 'down') outage.sawDown = true;
        if (elapsedMs >= (OUTAGE_AT + OUTAGE_SECONDS) * 1000) {
          outage.ended = true;
          await sandboxFaults('DELETE');
          console.log('outage: providers answer again');
        }
      }
    };
    const started = Date.now();
    const inflight = new Set<Promise<void>>();
    let i = 0;
    let nextSample = 0;
    while (Date.now() - started < SECONDS * 1000) {
      const elapsed = Date.now() - started;
      if (elapsed >= nextSample) {
        await sample(Math.round(elapsed / 1000));
        await outageStep(elapsed);
        nextSample += 10_000;
      }
      const due = started + (i * 1000) / RATE;
      if (due > Date.now()) await sleep(due - Date.now());
      const n = i++;
      const t0 = performance.now();
      const p = fetch(`${base}/v1/routing-policy-updates`, { method: 'POST', headers, body: JSON.stringify({ updates: [update(n)], reference: `soak-${n}` }) })
        .then(async (res) => {
          latencies.push(performance.now() - t0);
          const body = (await res.json()) as { id?: string };
          if (res.status === 202 && body.id) ids.push(body.id);
          else errors++;
        })
        .catch(() => void errors++)
        .finally(() => inflight.delete(p));
      inflight.add(p);
    }
    await Promise.all(inflight);
    if (OUTAGE_SECONDS && !outage.ended) {
      // the run ended inside the outage: it ends now, the backlog drains after it
      outage.ended = true;
      await sandboxFaults('DELETE');
    }
    // after an outage the recovery is noticed within the backoff cap (30 s), then the backlog drains
    await waitFor('backlog drained', async () => (await backlog()) === 0, OUTAGE_SECONDS ? 300_000 : 120_000, 500).catch(() => undefined);
    if (OUTAGE_SECONDS) {
      await waitFor(
        'providers up again',
        async () => {
          const { providers } = await providersOf();
          return providers.gcore?.status === 'up' && providers.apinizer?.status === 'up';
        },
        60_000,
        1000,
      ).catch(() => undefined);
      const { providers } = await providersOf();
      outage.upAfter = providers.gcore?.status === 'up' && providers.apinizer?.status === 'up';
    }
    await waitFor('webhooks delivered', () => received.size >= ids.length, 60_000, 500).catch(() => undefined);
    await sample(Math.round((Date.now() - started) / 1000));

    const statuses: Record<string, number> = {};
    for (let k = 0; k < ids.length; k += 200) {
      const pipeline = redis.pipeline();
      for (const id of ids.slice(k, k + 200)) pipeline.hget(`{${prefix}}:op:${id}`, 'status');
      for (const [, status] of (await pipeline.exec()) ?? []) statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
    }
    console.log('\n t(s) | gateway RSS MB | worker RSS MB | backlog | accepted');
    for (const s of samples)
      console.log(
        `${String(s.t).padStart(5)} | ${s.gatewayMb.toFixed(0).padStart(14)} | ` +
          `${s.workerMb.toFixed(0).padStart(13)} | ${String(s.backlog).padStart(7)} | ${s.accepted}`,
      );
    const steady = samples.filter((s) => s.t >= 30 && s.t <= SECONDS);
    const growth = (key: 'gatewayMb' | 'workerMb') => (steady.length > 1 ? steady[steady.length - 1][key] / steady[0][key] : 1);
    const maxBacklog = Math.max(...samples.map((s) => s.backlog));
    console.log(
      `\nrequests ${i}, accepted ${ids.length}, errors ${errors}, accept p50 ${percentile(latencies, 50).toFixed(1)} ms ` +
        `p99 ${percentile(latencies, 99).toFixed(1)} ms` +
        `\nfinal statuses ${JSON.stringify(statuses)}, operation.completed received ${received.size}/${ids.length}` +
        `\nRSS growth 30 s → end: gateway ×${growth('gatewayMb').toFixed(2)}, worker ×${growth('workerMb').toFixed(2)}; max backlog ${maxBacklog}`,
    );
    const outageOk = !OUTAGE_SECONDS || (outage.started && outage.notReady === 0 && outage.sawDown && outage.upAfter);
    if (OUTAGE_SECONDS) {
      console.log(
        `outage ${OUTAGE_SECONDS} s at ${OUTAGE_AT} s: readiness 200 in ${outage.readySamples - outage.notReady}/${outage.readySamples} samples, ` +
          `providers shown down ${outage.sawDown}, up again ${outage.upAfter}`,
      );
    }
    const ok =
      outageOk && errors === 0 && statuses.SUCCEEDED === ids.length && received.size >= ids.length && growth('gatewayMb') < 1.3 && growth('workerMb') < 1.3;
    console.log(ok ? 'SOAK PASSED' : 'SOAK FAILED');
    process.exitCode = ok ? 0 : 1;
  } catch (error) {
    console.error((error as Error).message);
    for (const c of children) console.error(`--- ${c.name}\n${tailOf(c.logFile)}`);
    process.exitCode = 1;
  } finally {
    await Promise.all(children.map((c) => stopChild(c)));
    receiver.close();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  }
}

void main();
