/** The in-process provider sandbox as the e2e and browser specs drive it: its control API and changes made behind the gateway's back. */
import { SEED } from './targets';
import { waitFor } from './wait';

/** What these helpers need of a harness (the Harness of ./harness is one). */
export interface SandboxHolder {
  sandbox: { url: string };
}

/** A call to the sandbox's control API (/__sandbox/...): its JSON answer, or null when it has no body. */
export async function sandboxControl(h: SandboxHolder, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(h.sandbox.url + path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

/** The current name of seeded Gcore L7 policy n, as the sandbox holds it. */
export async function l7Name(h: SandboxHolder, n: number): Promise<string> {
  const state = await sandboxControl(h, 'GET', `/__sandbox/state/l7policies/${SEED.l7(n)}`);
  return (state.policy ?? state).name;
}

/** A rename made at Gcore directly, not through the gateway (what drift detection is for); waits for its tasks to finish. */
export async function outOfBandL7Rename(h: SandboxHolder, n: number, name: string): Promise<void> {
  const current = await sandboxControl(h, 'GET', `/__sandbox/state/l7policies/${SEED.l7(n)}`);
  const policy = current.policy ?? current;
  const res = await fetch(`${h.sandbox.url}/cloud/v1/l7policies/${SEED.projectId}/${SEED.regionId}/${SEED.l7(n)}`, {
    method: 'PATCH',
    headers: { authorization: 'APIKey sandbox-gcore-key', 'content-type': 'application/json' },
    body: JSON.stringify({
      action: policy.action,
      ...Object.fromEntries(['redirect_url', 'redirect_prefix', 'redirect_pool_id'].filter((f) => policy[f] != null).map((f) => [f, policy[f]])),
      name,
    }),
  });
  expect(res.status).toBeLessThan(300);
  const { tasks } = (await res.json()) as { tasks: string[] };
  for (const task of tasks) {
    await waitFor(async () => (await sandboxControl(h, 'GET', `/__sandbox/tasks/${task}`)).state === 'FINISHED', 20_000, 20, `sandbox task ${task} FINISHED`);
  }
}

/**
 * Gcore refuses every PATCH of L7 policy n with a 400 (ValidationError "position is taken"), after `delayMs`: a target
 * that fails before anything is written.
 */
export async function refuseL7Patches(h: SandboxHolder, n: number, delayMs = 0): Promise<void> {
  await sandboxControl(h, 'POST', '/__sandbox/faults', {
    method: 'PATCH',
    delayMs,
    path: SEED.l7(n),
    count: -1,
    status: 400,
    body: { exception_class: 'ValidationError', message: 'position is taken' },
  });
}
