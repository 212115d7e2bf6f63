/**
 * The provider sandbox for `npm run bench`: the stock sandbox app (apps/provider-sandbox, unchanged) with
 *  - BENCH_L7_POLICIES extra L7 policies (REJECT, project 1 / region 76) so thousands of operations can run in parallel
 *    without sharing a per-target lane (ids: benchL7Id(n), n = 0..count-1);
 *  - a record of every task created, at `GET /__sandbox/bench/tasks?since=<index>` (id, name, createdAtMs, finishAtMs);
 *  - lighter request counts at `GET /__sandbox/bench/counts` (task GETs only: total and per task id);
 *  - optional task hints: `PUT /__sandbox/bench/hints {url, secret, namePrefix}` makes it POST a signed
 *    `gcore.task.updated` (Standard Webhooks) to `url` the moment each matching task finishes (a Gcore relay stand-in).
 * Control routes live under /__sandbox, so they are not counted and get no latency.
 */
import { Webhook } from 'standardwebhooks';
import { DEFAULT_SANDBOX_CONFIG, checkConfigPatch } from '../../apps/provider-sandbox/src/config';
import { createContext } from '../../apps/provider-sandbox/src/context';
import type { NewTask, TaskRecord } from '../../apps/provider-sandbox/src/gcore/tasks';
import { SEED, buildApp } from '../../apps/provider-sandbox/src/sandbox';
import { benchL7Id } from './ids';

interface TaskNote {
  id: string;
  name: string | null;
  createdAtMs: number;
  finishAtMs: number;
}

interface HintConfig {
  url: string;
  secret: string;
  namePrefix: string;
}

const TASK_PATH = 'GET /cloud/v1/tasks/';

async function main(): Promise<void> {
  const port = Number(process.env.SANDBOX_PORT ?? 0);
  const extra = Number(process.env.BENCH_L7_POLICIES ?? 0);
  const checked = checkConfigPatch({
    latencyMs: Number(process.env.SANDBOX_LATENCY_MS ?? 0),
    taskDurationMs: Number(process.env.SANDBOX_TASK_DURATION_MS ?? 2000),
  });
  if (!checked.ok) throw new Error(checked.errors.join('; '));
  const ctx = createContext({ ...DEFAULT_SANDBOX_CONFIG, ...checked.value });

  const template = ctx.gcore.l7.get(SEED.l7(4));
  if (!template) throw new Error('seed L7 policy 4 is missing');
  for (let n = 0; n < extra; n++) {
    const policy = { ...structuredClone(template.policy), id: benchL7Id(n), name: `bench-${n}`, position: 100 + n };
    ctx.gcore.l7.set(policy.id, { policy, lock: null });
  }

  const notes: TaskNote[] = [];
  let hints: HintConfig | null = null;
  let hintsSent = 0;
  let hintErrors = 0;
  const sendHint = (taskId: string): void => {
    if (!hints) return;
    const { url, secret } = hints;
    const msgId = `msg_${taskId}`;
    const body = JSON.stringify({ type: 'gcore.task.updated', timestamp: new Date().toISOString(), data: { taskId } });
    const now = new Date();
    const signature = new Webhook(secret).sign(msgId, now, body);
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': msgId,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body,
    }).then(
      async (res) => {
        await res.arrayBuffer();
        if (res.ok) hintsSent++;
        else hintErrors++;
      },
      () => hintErrors++,
    );
  };

  const create = ctx.tasks.create.bind(ctx.tasks);
  ctx.tasks.create = (spec: NewTask, now: number): TaskRecord => {
    const t = create(spec, now);
    const name = typeof (spec.data as { name?: unknown } | null)?.name === 'string' ? (spec.data as { name: string }).name : null;
    notes.push({ id: t.id, name, createdAtMs: t.createdAtMs, finishAtMs: t.finishAtMs });
    if (hints && name !== null && name.startsWith(hints.namePrefix)) {
      setTimeout(() => sendHint(t.id), Math.max(0, t.finishAtMs - Date.now()));
    }
    return t;
  };

  const app = buildApp(ctx);
  app.get<{ Querystring: { since?: string } }>('/__sandbox/bench/tasks', async (req) => {
    const since = Number(req.query.since ?? 0) || 0;
    return { next: notes.length, tasks: notes.slice(since) };
  });
  app.get('/__sandbox/bench/counts', async () => {
    let total = 0;
    const perTask: Record<string, number> = {};
    let writes = 0;
    for (const [key, n] of Object.entries(ctx.requests.snapshot().counts)) {
      if (key.startsWith(TASK_PATH)) {
        total += n;
        perTask[key.slice(TASK_PATH.length)] = n;
      } else if (key.startsWith('PATCH /cloud/v1/l7policies/')) writes += n;
    }
    const taskLists = ctx.requests.snapshot().counts['GET /cloud/v1/tasks'] ?? 0;
    return { taskGets: total, taskLists, l7Patches: writes, perTask, hintsSent, hintErrors };
  });
  app.put<{ Body: Partial<HintConfig> }>('/__sandbox/bench/hints', async (req) => {
    const b = req.body ?? {};
    hints = b.url && b.secret ? { url: b.url, secret: b.secret, namePrefix: b.namePrefix ?? '' } : null;
    return { hints: hints ? { url: hints.url, namePrefix: hints.namePrefix } : null };
  });
  await app.listen({ port, host: '127.0.0.1' });
  process.stdout.write(`bench sandbox listening on ${port} with ${extra} extra L7 policies\n`);
  const stop = (): void => void app.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(`bench sandbox failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
