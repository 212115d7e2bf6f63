/** What ioredis says when Redis is away (plain text, joined as alternatives). */
const REDIS_AWAY = new RegExp(
  [
    "Stream isn't writeable",
    'Connection is closed',
    'ECONNREFUSED',
    'ECONNRESET',
    'connect ETIMEDOUT',
    'Reached the max retries per request limit',
    'LOADING',
    "Cluster isn't ready",
    'None of startup nodes is available',
    'CLUSTERDOWN',
    'Failed to refresh slots cache',
  ].join('|'),
);

/** Whether an error says Redis is away (refused, reset, closed, loading, cluster down): the caller answers 503 or retries. */
export function isRedisUnavailableError(error: unknown): boolean {
  const message = (error as Error | undefined)?.message ?? '';
  const name = (error as Error | undefined)?.name ?? '';
  return name === 'MaxRetriesPerRequestError' || REDIS_AWAY.test(message);
}
