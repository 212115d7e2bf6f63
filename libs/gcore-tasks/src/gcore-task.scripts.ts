/** KEYS: task hash, waiters set. ARGV: waiter. Adds the waiter unless the task already settled; returns {state, error, code} or {}. */
export const REGISTER_WAITER = `
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'FINISHED' or state == 'ERROR' or state == 'TIMEOUT' then
  return {state, redis.call('HGET', KEYS[1], 'error') or ''}
end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[2]))
return {}
`;

/**
 * KEYS: task hash, waiters set. ARGV: state, error, ttl. Records the end of a task and hands over its waiters. The set
 * is kept (until the settled record expires): a worker dying before it told every waiter leaves the job to run again,
 * and that run must find the same waiters (telling a waiter twice changes nothing).
 */
export const SETTLE_TASK = `
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'error', ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
local waiters = redis.call('SMEMBERS', KEYS[2])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
return waiters
`;
