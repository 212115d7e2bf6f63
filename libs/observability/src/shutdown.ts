/**
 * Graceful shutdown guard: Nest's shutdown hooks stop taking requests, close BullMQ workers (running jobs finish or go
 * back to the queue as stalled) and Redis. If that takes longer than `limitMs`, exit anyway so orchestrators are not stuck.
 */
export function exitAfterDeadline(limitMs = 30_000): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        console.error(`shutdown took longer than ${limitMs / 1000} s: exiting`);
        process.exit(1);
      }, limitMs).unref();
    });
  }
}
