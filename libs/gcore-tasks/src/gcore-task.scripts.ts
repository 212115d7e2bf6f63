import { defineScript } from '@rpg/redis';
import { parseTargetRef } from '@rpg/routing-policy';
import { TASK_RECORD_LUA, decodeTaskRecord } from './gcore-task-record';
import { CREATE_LOOP_LUA, END_LOOP_LUA } from './gcore-task-loop.scripts';

const RECORD = TASK_RECORD_LUA;
/** Arguments of a settled record (SETTLE_TASK, ABANDON_TASK). */
const SETTLE_ARGS = ['state', 'error', 'ttlSeconds', 'taskId', 'failure', 'seen'] as const;
const SETTLE_VALUES = { state: 'ARGV[1]', error: 'ARGV[2]', failure: 'ARGV[5]', seen: 'ARGV[6]' };

/**
 * Adds the waiter (a target reference) unless the task already settled; replies that record, or undefined. A task with
 * a scope ('' when unknown) joins that scope's in-flight set (scored by `now`, ms), which the sweeper lists in one request.
 * The task's poll loop starts (`loop`: its JSON, first poll at `dueAt`) unless it runs already: one loop per task id.
 */
export const registerWaiterScript = defineScript({
  name: 'rpgRegisterWaiter',
  keys: ['task', 'waiters', 'inflight', 'scopes', 'loops', 'loop'] as const,
  args: ['waiter', 'ttlSeconds', 'taskId', 'scope', 'now', 'loop', 'dueAt'] as const,
  reply: (record: string[]) => (record.length ? decodeTaskRecord(record) : undefined),
  lua: `
local state = redis.call('HGET', KEYS[1], ${RECORD.state})
if ${RECORD.ended('state')} then
  local f = redis.call('HMGET', KEYS[1], ${RECORD.others})
  return {state, f[1] or '', f[2] or '', f[3] or ''}
end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[2]))
if ARGV[4] ~= '' then
  redis.call('ZADD', KEYS[3], 'NX', tonumber(ARGV[5]), ARGV[3])
  redis.call('SADD', KEYS[4], ARGV[4])
end${CREATE_LOOP_LUA('KEYS[5]', 'KEYS[6]', 'ARGV[3]', 'ARGV[6]', 'ARGV[7]')}
return {}
`,
});

/**
 * Records the end of a task's loop (failure: JSON of the result error, '' when the state says it all; seen: the last
 * state read, '' when none), takes it out of the sweep and hands over its waiters: every waiter, also one registering
 * later, gets the same outcome from this record. The loop is marked ended, not removed: a worker dying before it told
 * every waiter leaves the loop to come due again, and that run tells the waiters this record (the waiter set is kept
 * until the record expires; telling a waiter twice changes nothing). The poller removes the loop once all were told.
 */
export const settleTaskScript = defineScript({
  name: 'rpgSettleTask',
  keys: ['task', 'waiters', 'inflight', 'loop'] as const,
  args: SETTLE_ARGS,
  reply: (waiters: string[]) => waiters.map(parseTargetRef),
  lua: `
redis.call('HSET', KEYS[1], ${RECORD.set(SETTLE_VALUES)})
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
redis.call('ZREM', KEYS[3], ARGV[4])${END_LOOP_LUA('KEYS[4]')}
local waiters = redis.call('SMEMBERS', KEYS[2])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
return waiters
`,
});

/**
 * Ends a loop that cannot go on (a bug in its poll): records this end unless the task already has one, marks the loop
 * ended (as settleTaskScript); replies the record that stands and every waiter.
 */
export const abandonTaskScript = defineScript({
  name: 'rpgAbandonTask',
  keys: ['task', 'waiters', 'inflight', 'loop'] as const,
  args: SETTLE_ARGS,
  reply: ([state, error, failure, seen, ...waiters]: string[]) => ({
    record: decodeTaskRecord([state, error, failure, seen]),
    waiters: waiters.map(parseTargetRef),
  }),
  lua: `
local state = redis.call('HGET', KEYS[1], ${RECORD.state})
if not (${RECORD.ended('state')}) then
  redis.call('HSET', KEYS[1], ${RECORD.set(SETTLE_VALUES)})
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
redis.call('ZREM', KEYS[3], ARGV[4])${END_LOOP_LUA('KEYS[4]')}
local f = redis.call('HMGET', KEYS[1], ${RECORD.fields})
local out = {f[1] or '', f[2] or '', f[3] or '', f[4] or ''}
for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do table.insert(out, w) end
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
return out
`,
});

/** Forgets a scope whose in-flight set is empty; replies whether it did. */
export const dropEmptyScopeScript = defineScript({
  name: 'rpgDropEmptyScope',
  keys: ['inflight', 'scopes'] as const,
  args: ['scope'] as const,
  reply: (dropped: number) => dropped === 1,
  lua: `
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('SREM', KEYS[2], ARGV[1])
  return 1
end
return 0
`,
});

/** Keeps the sweep lock (for ms) only if this sweeper (token) still holds it; replies whether it did. */
export const handOverLockScript = defineScript({
  name: 'rpgHandOverLock',
  keys: ['lock'] as const,
  args: ['token', 'ms'] as const,
  reply: (kept: number) => kept === 1,
  lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
  return 1
end
return 0
`,
});
