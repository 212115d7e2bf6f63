/**
 * Lua scripts: every status change of an operation is one atomic step guarded by the expected previous state,
 * so a job that runs twice (BullMQ is at-least-once) changes nothing the second time. Field names come from the codec.
 */
import { defineScript } from '@rpg/redis';
import { GcoreTaskState, TARGET_REF_SEPARATOR } from '@rpg/routing-policy';
import { OPERATION_LUA, OPERATION_SCHEMA_VERSION, decodeTaskState } from './operation-record.codec';

const { F, resultStatus, resultDetail, resultTaskPrefix } = OPERATION_LUA;

/** Stores the operation and queues each target on its lane (entry `<id>#<index>`); the indexes at the head of their lane. */
export const createOperationScript = defineScript({
  name: 'rpgCreateOperation',
  keys: ['op', 'index', 'unconfirmed', 'reverted', 'referenceIndex', '...lanes'] as const,
  args: ['id', 'nowMs', 'nowIso', 'meta', 'updates', 'count', 'ttlSeconds', 'callbackSecret', 'statusIndexPrefix', 'revertOf', 'reference'] as const,
  reply: (heads: number[]): number[] => heads.flatMap((isHead, i) => (isHead === 1 ? [i] : [])),
  lua: `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('EXISTS') end
local count = tonumber(ARGV[6])
redis.call('HSET', KEYS[1], ${F.meta}, ARGV[4], ${F.updates}, ARGV[5], ${F.status}, 'PENDING', ${F.createdAt}, ARGV[3], ${F.updatedAt}, ARGV[3],
  ${F.completedAt}, '', ${F.count}, count, ${F.done}, 0, ${F.ok}, 0, ${F.seq}, 1, ${F.createdMs}, ARGV[2], ${F.schemaVersion}, ${OPERATION_SCHEMA_VERSION})
if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], ${F.callbackSecret}, ARGV[8]) end
local heads = {}
for i = 0, count - 1 do
  redis.call('HSET', KEYS[1], ${resultStatus('i')}, 'PENDING')
  local lane = KEYS[6 + i]
  local len = redis.call('RPUSH', lane, ARGV[1] .. '${TARGET_REF_SEPARATOR}' .. i)
  heads[i + 1] = (len == 1) and 1 or 0
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[7]))
redis.call('ZADD', KEYS[2], tonumber(ARGV[2]), ARGV[1])
redis.call('ZADD', KEYS[3], tonumber(ARGV[2]), ARGV[1])
redis.call('ZADD', ARGV[9] .. 'PENDING', tonumber(ARGV[2]), ARGV[1])
-- a revert names itself on the operation it reverts, in the same step (the link never lags the revert)
if ARGV[10] ~= '' and redis.call('EXISTS', KEYS[4]) == 1 then
  local by = redis.call('HGET', KEYS[4], ${F.revertedBy})
  redis.call('HSET', KEYS[4], ${F.revertedBy}, (by and by ~= '') and (by .. ',' .. ARGV[1]) or ARGV[1])
end
-- the list's reference filter: one sorted set per reference, living as long as its newest operation
if ARGV[11] ~= '' then
  -- entries older than the retention belong to expired operations: dropped here, as a reused reference never lets the set expire
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', '(' .. (tonumber(ARGV[2]) - (tonumber(ARGV[7]) - 86400) * 1000))
  redis.call('ZADD', KEYS[5], tonumber(ARGV[2]), ARGV[1])
  redis.call('EXPIRE', KEYS[5], tonumber(ARGV[7]))
end
return heads
`,
});

export interface TransitionOutcome {
  /** 1 changed, 0 refused (status was not one of `from`), -1 operation unknown. */
  changed: 1 | 0 | -1;
  resultStatus: string;
  operationStatus: string;
  operationTerminalNow: boolean;
  /** Head of the target's lane after a terminal result released it (`<opId>#<index>`), '' when empty. */
  nextLaneHead: string;
}

/**
 * Moves one result from one of `from` (comma list) to `to`, ends the operation with its last target, and releases the
 * target's lane (pops `laneEntry` when it heads it). `lane` is the op key again when not releasing: every declared key
 * must be in the op's slot on Redis Cluster, and '' hashes to slot 0, which Redis refuses with CROSSSLOT.
 */
export const transitionResultScript = defineScript({
  name: 'rpgTransitionResult',
  keys: ['op', 'lane'] as const,
  args: ['index', 'from', 'to', 'detail', 'nowIso', 'channel', 'ttlSeconds', 'laneEntry', 'statusIndexPrefix', 'operationId'] as const,
  reply: ([changed, resultStatus, operationStatus, terminalNow, nextLaneHead]: [number, string, string, number, string]): TransitionOutcome => ({
    changed: changed as TransitionOutcome['changed'],
    resultStatus,
    operationStatus,
    operationTerminalNow: terminalNow === 1,
    nextLaneHead,
  }),
  lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, '', '', 0, ''} end
local idx = ARGV[1]
local field = ${resultStatus('idx')}
local cur = redis.call('HGET', KEYS[1], field)
local allowed = false
for s in string.gmatch(ARGV[2], '[^,]+') do if s == cur then allowed = true end end
local function nextHead()
  if KEYS[2] == nil or KEYS[2] == '' or KEYS[2] == KEYS[1] then return '' end
  local terminal = (redis.call('HGET', KEYS[1], field) == 'SUCCEEDED' or redis.call('HGET', KEYS[1], field) == 'FAILED')
  if terminal and redis.call('LINDEX', KEYS[2], 0) == ARGV[8] then redis.call('LPOP', KEYS[2]) end
  return redis.call('LINDEX', KEYS[2], 0) or ''
end
if not allowed then
  return {0, cur or '', redis.call('HGET', KEYS[1], ${F.status}), 0, nextHead()}
end
local to = ARGV[3]
redis.call('HSET', KEYS[1], field, to, ${F.updatedAt}, ARGV[5])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], ${resultDetail('idx')}, ARGV[4]) end
local opStatus = redis.call('HGET', KEYS[1], ${F.status})
local previousStatus = opStatus
local terminalNow = 0
if (to == 'SUCCEEDED' or to == 'FAILED') and cur ~= 'SUCCEEDED' and cur ~= 'FAILED' then
  local done = redis.call('HINCRBY', KEYS[1], ${F.done}, 1)
  local ok = tonumber(redis.call('HGET', KEYS[1], ${F.ok}))
  if to == 'SUCCEEDED' then ok = redis.call('HINCRBY', KEYS[1], ${F.ok}, 1) end
  local count = tonumber(redis.call('HGET', KEYS[1], ${F.count}))
  if done >= count then
    if ok == count then opStatus = 'SUCCEEDED' elseif ok == 0 then opStatus = 'FAILED' else opStatus = 'PARTIALLY_SUCCEEDED' end
    redis.call('HSET', KEYS[1], ${F.status}, opStatus, ${F.completedAt}, ARGV[5])
    redis.call('EXPIRE', KEYS[1], tonumber(ARGV[7]))
    terminalNow = 1
  end
end
if opStatus == 'PENDING' then
  opStatus = 'RUNNING'
  redis.call('HSET', KEYS[1], ${F.status}, opStatus)
end
if opStatus ~= previousStatus then
  local createdMs = tonumber(redis.call('HGET', KEYS[1], ${F.createdMs}))
  redis.call('ZREM', ARGV[9] .. previousStatus, ARGV[10])
  redis.call('ZADD', ARGV[9] .. opStatus, createdMs, ARGV[10])
end
local seq = redis.call('HINCRBY', KEYS[1], ${F.seq}, 1)
redis.call('PUBLISH', ARGV[6], seq)
return {1, to, opStatus, terminalNow, nextHead()}
`,
});

/** Records a task's state on one result; replies every task of that result, in taskIds order (undefined when unknown). */
export const setTaskStateScript = defineScript({
  name: 'rpgSetTaskState',
  keys: ['op'] as const,
  args: ['index', 'taskId', 'task', 'nowIso', 'channel'] as const,
  reply: (tasks: string[]): (GcoreTaskState | undefined)[] => tasks.map(decodeTaskState),
  lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
local idx = ARGV[1]
local prefix = ${resultTaskPrefix('idx')}
local before = redis.call('HGET', KEYS[1], prefix .. ARGV[2])
if before ~= ARGV[3] then
  redis.call('HSET', KEYS[1], prefix .. ARGV[2], ARGV[3], ${F.updatedAt}, ARGV[4])
  local seq = redis.call('HINCRBY', KEYS[1], ${F.seq}, 1)
  redis.call('PUBLISH', ARGV[5], seq)
end
local detail = redis.call('HGET', KEYS[1], ${resultDetail('idx')})
local out = {}
if detail then
  local ok, d = pcall(cjson.decode, detail)
  if ok and d.gcore and d.gcore.taskIds then
    for _, id in ipairs(d.gcore.taskIds) do
      out[#out + 1] = redis.call('HGET', KEYS[1], prefix .. id) or ''
    end
  end
end
return out
`,
});
