/**
 * Waiting in tests: for an event or a condition, never for a fixed time. Every deadline here is a ceiling that only a
 * broken system reaches; a busy machine (another process on a core, a parallel build) only makes the wait longer.
 *
 * TEST_TIME_SCALE (default 1) stretches every deadline of these helpers (and the Jest test timeouts that use `scaled`)
 * for a machine that is slower still, e.g. TEST_TIME_SCALE=2 npm test.
 */
export const TIME_SCALE = ((s) => (Number.isFinite(s) && s >= 1 ? s : 1))(Number(process.env.TEST_TIME_SCALE ?? '1'));

/** `ms` stretched by TEST_TIME_SCALE: for deadlines and Jest timeouts, never for a time the test waits out. */
export const scaled = (ms: number): number => Math.round(ms * TIME_SCALE);

/** The least time any wait of these helpers gives a condition before failing (scaled): a tight deadline is a flaky test. */
export const MIN_WAIT_MS = 15_000;

/**
 * Polls `fn` until it returns something truthy; the error names `what` and the last failure. Shared by every test
 * harness. `timeoutMs` is a ceiling, raised to at least MIN_WAIT_MS and scaled by TEST_TIME_SCALE.
 */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 30_000,
  intervalMs = 50,
  what = 'condition',
): Promise<T> {
  const budget = scaled(Math.max(timeoutMs, MIN_WAIT_MS));
  const deadline = Date.now() + budget;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what} not met within ${budget} ms${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

/** `waitFor` with the label first and the slower defaults of the fault suites (real processes). */
export function until<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  return waitFor(fn, timeoutMs, intervalMs, what);
}

/**
 * Resolves `promise`, or rejects naming `what` when it has not settled within `timeoutMs` (at least MIN_WAIT_MS,
 * scaled): an await on an event that must come, with a ceiling instead of a hang until Jest's timeout.
 */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs = 30_000): Promise<T> {
  const budget = scaled(Math.max(timeoutMs, MIN_WAIT_MS));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} not within ${budget} ms`)), budget)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Waits out a fixed time. Only for what a test must let pass on purpose (a token's lifetime, a window in which
 * nothing may happen after a positive marker was awaited) — never to let something happen.
 */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
