import { getPriority, setPriority } from 'node:os';
import type { Logger } from 'pino';

/**
 * Lowers this process's CPU priority to `niceness` (WORKER_NICENESS), never raises it: a worker started at a higher
 * niceness (`nice -n 15 …`) keeps it, as raising priority needs privileges. Returns the niceness in effect.
 */
export function applyWorkerNiceness(niceness: number, logger: Logger): number {
  const current = getPriority();
  if (current >= niceness) return current;
  try {
    setPriority(niceness);
    return niceness;
  } catch (error) {
    logger.warn({ niceness, err: (error as Error).message }, 'could not lower the worker CPU priority; it runs at its current one');
    return current;
  }
}
