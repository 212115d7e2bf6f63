/** Polls `fn` until it returns something truthy; the error names `what` and the last failure. Shared by every test harness. */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 15_000,
  intervalMs = 50,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what} not met within ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

/** `waitFor` with the label first and the slower defaults of the fault suites (real processes). */
export function until<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<T> {
  return waitFor(fn, timeoutMs, intervalMs, what);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
