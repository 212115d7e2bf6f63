/**
 * KEYS: task hash, waiters set, in-flight set of the task's scope, set of scopes. ARGV: waiter, ttl, task id, scope ('' when
 * unknown), now (ms). Adds the waiter unless the task already settled; returns {state, error, failure, seen} or {}. A
 * task with a scope joins that scope's in-flight set, which the sweeper lists in one request.
 */
export const REGISTER_WAITER = `
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'FINISHED' or state == 'ERROR' or state == 'TIMEOUT' or state == 'UNREADABLE' then
  local f = redis.call('HMGET', KEYS[1], 'error', 'failure', 'seen')
  return {state, f[1] or '', f[2] or '', f[3] or ''}
end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[2]))
if ARGV[4] ~= '' then
  redis.call('ZADD', KEYS[3], 'NX', tonumber(ARGV[5]), ARGV[3])
  redis.call('SADD', KEYS[4], ARGV[4])
end
return {}
`;

/**
 * KEYS: task hash, waiters set, in-flight set of the task's scope. ARGV: state, error, ttl, task id, failure (JSON of the
 * result error, '' when the state says it all), seen (the last state read, '' when none). Records the end of a task's
 * loop, takes it out of the sweep and hands over its waiters: every waiter, also one registering later, gets the same
 * outcome from this record. The waiter set is kept (until the settled record expires): a worker dying before it told
 * every waiter leaves the job to run again, and that run must find the same waiters (telling a waiter twice changes nothing).
 */
export const SETTLE_TASK = `
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'error', ARGV[2], 'failure', ARGV[5], 'seen', ARGV[6])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
redis.call('ZREM', KEYS[3], ARGV[4])
local waiters = redis.call('SMEMBERS', KEYS[2])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
return waiters
`;

/**
 * KEYS: task hash, waiters set, in-flight set of the task's scope. ARGV as SETTLE_TASK. Ends a loop that cannot go on (a
 * bug in its job): records this end unless the task already has one, and returns {state, error, failure, seen} of the
 * record that stands followed by every waiter.
 */
export const ABANDON_TASK = `
local state = redis.call('HGET', KEYS[1], 'state')
if not (state == 'FINISHED' or state == 'ERROR' or state == 'TIMEOUT' or state == 'UNREADABLE') then
  redis.call('HSET', KEYS[1], 'state', ARGV[1], 'error', ARGV[2], 'failure', ARGV[5], 'seen', ARGV[6])
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
redis.call('ZREM', KEYS[3], ARGV[4])
local f = redis.call('HMGET', KEYS[1], 'state', 'error', 'failure', 'seen')
local out = {f[1] or '', f[2] or '', f[3] or '', f[4] or ''}
for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do table.insert(out, w) end
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
return out
`;

/** KEYS: in-flight set of a scope, set of scopes. ARGV: scope. Forgets a scope whose in-flight set is empty. */
export const DROP_EMPTY_SCOPE = `
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('SREM', KEYS[2], ARGV[1])
  return 1
end
return 0
`;
