/**
 * Whether tracing is on, decided from the standard OpenTelemetry variables only: a traces exporter or an OTLP endpoint
 * asks for it; OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turns it off. Off means no SDK and no
 * instrumentation at all (the accept path pays nothing).
 */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s && s !== 'null');
  if (exporters.includes('none') && exporters.length === 1) return false;
  if (exporters.length > 0) return true;
  return Boolean((env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').trim() || (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? '').trim());
}

/**
 * Spans nobody asked for, dropped when they would start a trace: BullMQ's own bookkeeping (a worker's fetch of the next
 * job, its stall checks, lock renewals, pause/close), which runs all the time outside any request. Inside a trace
 * (a parent) they are kept.
 */
export const NOISY_ROOT_SPANS: ReadonlySet<string> = new Set([
  'getNextJob',
  'rateLimit',
  'pause',
  'resume',
  'close',
  'startStalledCheckTimer',
  'moveStalledJobsToWait',
  'extendLocks',
  'delay',
  'retryJob',
  'upsertJobScheduler',
]);

/** The first word of a span name (BullMQ names its spans `<operation> <queue>`). */
export function isNoisyRootSpan(name: string): boolean {
  const space = name.indexOf(' ');
  return NOISY_ROOT_SPANS.has(space < 0 ? name : name.slice(0, space));
}
