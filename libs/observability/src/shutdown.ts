import type { Logger } from 'pino';
import { shutdownTracing } from '@rpg/tracing';

const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Graceful shutdown on SIGTERM/SIGINT: one "shutting down" line naming the signal, then Nest's close (stop taking
 * requests, close BullMQ workers — running jobs finish or go back to the queue as stalled — and Redis), then the
 * spans still buffered are exported (tracing on), then one "stopped" line and exit 0. If that takes longer than
 * `limitMs`, exit 1 anyway so orchestrators are not stuck. A second signal while stopping changes nothing.
 */
export function stopOnSignals(app: { close(signal?: string): Promise<void> }, logger: Logger, limitMs = 30_000): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    logger.info({ signal }, `shutting down (${signal})`);
    setTimeout(() => {
      logger.error({ signal, limitMs }, `shutdown took longer than ${limitMs / 1000} s: exiting`);
      console.error(`shutdown took longer than ${limitMs / 1000} s: exiting`);
      process.exit(1);
    }, limitMs).unref();
    app
      .close(signal)
      .then(() => shutdownTracing())
      .then(
        () => {
          logger.info({ signal, durationMs: Date.now() - started }, 'stopped');
          process.exit(0); // pino writes its pending lines on exit
        },
        (error: unknown) => {
          logger.error({ signal, err: error instanceof Error ? { message: error.message, stack: error.stack } : String(error) }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, () => stop(signal));
}
