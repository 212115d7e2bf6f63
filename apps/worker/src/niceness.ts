import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { Logger } from 'pino';

/**
 * Lowers this process's CPU priority to `niceness` (WORKER_NICENESS), never raises it: a worker started at a higher
 * niceness (`nice -n 15 …`) keeps it, as raising priority needs privileges. On Linux niceness is per thread and the
 * threads V8 started at boot (GC and compiler helpers) do not follow the main one, so each thread is lowered.
 * Returns the niceness in effect.
 */
export function applyWorkerNiceness(niceness: number, logger: Logger): number {
  let current = 0;
  try {
    current = getPriority();
    if (current >= niceness) return current;
    for (const thread of threadIds()) setPriority(thread, niceness);
    return niceness;
  } catch (error) {
    logger.warn({ niceness, err: (error as Error).message }, 'could not lower the worker CPU priority; it runs at its current one');
    return current;
  }
}

/** This process's threads (Linux), or just the process elsewhere. */
function threadIds(): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number);
  } catch {
    return [process.pid];
  }
}
