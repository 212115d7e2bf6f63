/** What the scenarios do to the gateway and the sandbox: submit updates, subscribe, set task durations, read records. */
import Redis from 'ioredis';
import { BenchHttp } from './http';
import { benchL7Id } from './ids';
import { waitFor } from './lib';

/** Hands out the sandbox's extra L7 policies, each once per run, so no two operations share a per-target lane. */
export class PolicyPool {
  private cursor = 0;

  take(n: number): string[] {
    return Array.from({ length: n }, () => benchL7Id(this.cursor++));
  }
}

export function updateBody(id: string, name: string): string {
  return JSON.stringify({ updates: [{ target: { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 76, id }, changes: { name } }] });
}

export async function submit(http: BenchHttp, policyId: string, name: string): Promise<string> {
  const res = await http.api<{ id: string }>('POST', '/v1/routing-policy-updates', updateBody(policyId, name));
  if (res.status !== 202) throw new Error(`submit ${name}: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json.id;
}

/** Submits every item with `concurrency` requests in flight; answers the operation ids in the items' order. */
export async function submitMany(http: BenchHttp, items: { policyId: string; name: string }[], concurrency: number): Promise<string[]> {
  const ids = new Array<string>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        ids[i] = await submit(http, items[i].policyId, items[i].name);
      }
    }),
  );
  return ids;
}

/** Subscribes `path` of the bench's webhook receiver (at `receiverUrl`) to `events`. */
export async function subscribe(http: BenchHttp, receiverUrl: string, path: string, events: string[]): Promise<{ id: string; secret: string }> {
  const subscription = { url: `${receiverUrl}${path}`, events, description: 'bench' };
  const res = await http.api<{ id: string; secret: string }>('POST', '/v1/webhook-subscriptions', subscription);
  if (res.status !== 201) throw new Error(`subscribe ${path}: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json;
}

/** The next write to each policy creates a task that runs for the given duration (a one-shot sandbox fault). */
export async function addDurationFaults(http: BenchHttp, policyIds: string[], durations: number[]): Promise<void> {
  for (let i = 0; i < policyIds.length; i++) {
    const fault = { method: 'PATCH', path: policyIds[i], count: 1, taskDurationMs: durations[i] };
    const res = await http.sandbox('POST', '/__sandbox/faults', fault);
    if (res.status !== 201) throw new Error(`fault: ${res.status} ${JSON.stringify(res.json)}`);
  }
}

/** A task the bench sandbox created (GET /__sandbox/bench/tasks). */
export interface TaskNote {
  id: string;
  name: string | null;
  createdAtMs: number;
  finishAtMs: number;
}

export interface SandboxCounts {
  taskGets: number;
  taskLists: number;
  l7Patches: number;
  perTask: Record<string, number>;
  hintsSent: number;
  hintErrors: number;
}

/** Tasks created from index `since` on, and the index to ask from next time. */
export async function sandboxTasks(http: BenchHttp, since: number): Promise<{ next: number; tasks: TaskNote[] }> {
  return (await http.sandbox<{ next: number; tasks: TaskNote[] }>('GET', `/__sandbox/bench/tasks?since=${since}`)).json;
}

export async function sandboxCounts(http: BenchHttp): Promise<SandboxCounts> {
  return (await http.sandbox<SandboxCounts>('GET', '/__sandbox/bench/counts')).json;
}

/**
 * Empties the worker's learned task durations (TaskDurationModel's `tasktypes` hash), so a scenario is not timed by
 * what earlier scenarios taught it.
 */
export async function forgetTaskDurations(redis: Redis, prefix: string): Promise<void> {
  await redis.del(`{${prefix}}:tasktypes`);
}

/**
 * The operations accepted but not yet handed to BullMQ by the worker's dispatcher (the unconfirmed set) when called,
 * and how long until there are none: a gateway run's dispatch catches up before the next subject's run, which would
 * otherwise share the cores with it.
 */
export async function untilDispatched(redis: Redis, prefix: string): Promise<{ backlog: number; drainMs: number }> {
  const key = `{${prefix}}:ops:unconfirmed`;
  const t0 = Date.now();
  const backlog = await redis.zcard(key);
  if (backlog > 0) await waitFor('the dispatch backlog drained', async () => (await redis.zcard(key)) === 0, 60_000, 10);
  return { backlog, drainMs: Date.now() - t0 };
}
