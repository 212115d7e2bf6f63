import { isRedisUnavailableError } from '@rpg/redis';

/**
 * Whether a job's error is worth another attempt: the infrastructure under the job went away for a moment (Redis
 * connection lost or refused, a cluster failover or resharding in progress, a command that timed out). Anything else a
 * job throws that is not a provider failure is a bug: running it again does the same thing again.
 */
export function isTransientInfrastructureError(error: unknown): boolean {
  if (isRedisUnavailableError(error)) return true;
  const e = error as { message?: unknown; code?: unknown } | null | undefined;
  const message = typeof e?.message === 'string' ? e.message : '';
  const code = typeof e?.code === 'string' ? e.code : '';
  return (
    /^(ECONNRESET|ECONNREFUSED|ECONNABORTED|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)$/.test(code) ||
    /^(READONLY|MASTERDOWN|TRYAGAIN|MOVED|ASK|BUSY|NOREPLICAS) /.test(message) ||
    /Command timed out|Too many Cluster redirections|Socket closed unexpectedly/.test(message)
  );
}
