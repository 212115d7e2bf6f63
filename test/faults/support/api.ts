/** The gateway's HTTP API as the fault suites call it (plain fetch, the suite's admin key). */
import { TERMINAL_OPERATION_STATUSES } from '@rpg/routing-policy';
import { scaled, sleep } from '../../support/wait';

export const API_KEY = 'faults-admin-key-000000000001';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** One call to the gateway's API with the suite's admin key. */
export async function api<T = any>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  timeoutMs = 15_000,
): Promise<ApiResponse<T>> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

export const TERMINAL = TERMINAL_OPERATION_STATUSES;

/** Waits until every operation is terminal (reading them in batches); returns them by id. */
export async function waitForTerminal(base: string | (() => string), ids: string[], timeoutMs: number): Promise<Map<string, any>> {
  const done = new Map<string, any>();
  timeoutMs = scaled(timeoutMs); // a ceiling, stretched by TEST_TIME_SCALE
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const pending = ids.filter((id) => !done.has(id));
    if (pending.length === 0) return done;
    const url = typeof base === 'string' ? base : base();
    for (let i = 0; i < pending.length; i += 25) {
      const batch = await Promise.all(pending.slice(i, i + 25).map((id) => api(url, 'GET', `/v1/operations/${id}`).catch(() => undefined)));
      for (const res of batch) if (res?.status === 200 && TERMINAL.has(res.body.status)) done.set(res.body.id, res.body);
    }
    if (done.size < ids.length) await sleep(250);
  }
  const missing = ids.filter((id) => !done.has(id));
  throw new Error(`${missing.length} of ${ids.length} operations not terminal within ${timeoutMs} ms, e.g. ${missing.slice(0, 5).join(', ')}`);
}
