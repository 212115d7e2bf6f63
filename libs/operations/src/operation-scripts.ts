/**
 * Lua scripts: every status change of an operation is one atomic step guarded by the expected previous state,
 * so a job that runs twice (BullMQ is at-least-once) changes nothing the second time. Field names come from the codec.
 */
import { defineScript } from '@rpg/redis';
import { GcoreTaskState, TARGET_REF_SEPARATOR } from '@rpg/routing-policy';
import { OPERATION_LUA, OPERATION_SCHEMA_VERSION, decodeTaskState } from './operation-record.codec';

const { F, resultStatus, resultDetail, resultTaskPrefix } = OPERATION_LUA;

/** Lua: whether a result status is terminal (a cancelled target counts as ended). */
export const LUA_IS_TERMINAL = `local function isTerminal(s) return s == 'SUCCEEDED' or s == 'FAILED' or s == 'CANCELLED' end`;

/**
 * Lua: counts one more ended result and ends the operation with its last one, unless a rollout holds it open for its
 * compensation; returns the operation's end status, or nil while it runs on.
 */
export const LUA_COUNT_ENDED = `
local function countEnded(op, succeeded, nowIso, ttl)
  local done = redis.call('HINCRBY', op, ${F.done}, 1)
  local ok
  if succeeded then ok = redis.call('HINCRBY', op, ${F.ok}, 1) end
  -- one read for the rest (a single-target operation ends here: every command counts on the hot path)
  local got = redis.call('HMGET', op, ${F.ok}, ${F.count}, ${F.rolloutHold}, ${F.rolloutState})
  ok = ok or tonumber(got[1])
  local count = tonumber(got[2])
  if done < count or got[3] == '1' then return nil end
  local ended
  if ok == count then ended = 'SUCCEEDED' elseif ok == 0 then ended = 'FAILED' else ended = 'PARTIALLY_SUCCEEDED' end
  redis.call('HSET', op, ${F.status}, ended, ${F.completedAt}, nowIso)
  if got[4] == 'RUNNING' then redis.call('HSET', op, ${F.rolloutState}, 'COMPLETED') end
  redis.call('EXPIRE', op, ttl)
  return ended
end`;

/** Lua: moves the operation between the per-status indexes, and announces a change on its channel. */
export const LUA_STATUS_INDEX_AND_PUBLISH = `
local function moveStatusIndex(op, prefix, id, from, to)
  if from == to then return end
  local createdMs = tonumber(redis.call('HGET', op, ${F.createdMs}))
  redis.call('ZREM', prefix .. from, id)
  redis.call('ZADD', prefix .. to, createdMs, id)
end
local function publishChange(op, channel)
  local seq = redis.call('HINCRBY', op, ${F.seq}, 1)
  redis.call('PUBLISH', channel, seq)
end`;

/** Where each target of a new operation stands in its lane: at the head (may start), or behind an earlier update. */
export interface CreatedLanes {
  heads: number[];
  /** Index → the lane entry (`<opId>#<index>`) directly ahead of it. */
  queuedBehind: Map<number, string>;
}

/**
 * Stores the operation and queues each target on its lane (entry `<id>#<index>`; one queued behind an earlier update
 * names it in `queuedBehind`); the indexes at the head of their lane. A rollout starts at batch 0, RUNNING. The heads
 * that may start now (`startable`: `*`, or the first batch's indexes) are handed to the worker's dispatcher in the same
 * step, so the accept path needs no second round trip and no BullMQ call.
 */
export const createOperationScript = defineScript({
  name: 'rpgCreateOperation',
  keys: ['op', 'index', 'unconfirmed', 'reverted', 'referenceIndex', 'rollouts', 'dispatch', '...lanes'] as const,
  args: [
    'id',
    'nowMs',
    'nowIso',
    'meta',
    'updates',
    'count',
    'ttlSeconds',
    'callbackSecret',
    'statusIndexPrefix',
    'revertOf',
    'reference',
    'rolloutOnFailure',
    'startable',
  ] as const,
  reply: (ahead: string[]): CreatedLanes => ({
    heads: ahead.flatMap((entry, i) => (entry === '' ? [i] : [])),
    queuedBehind: new Map(ahead.flatMap((entry, i) => (entry === '' ? [] : [[i, entry] as const]))),
  }),
  lua: `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('EXISTS') end
local count = tonumber(ARGV[6])
redis.call('HSET', KEYS[1], ${F.meta}, ARGV[4], ${F.updates}, ARGV[5], ${F.status}, 'PENDING', ${F.createdAt}, ARGV[3], ${F.updatedAt}, ARGV[3],
  ${F.completedAt}, '', ${F.count}, count, ${F.done}, 0, ${F.ok}, 0, ${F.seq}, 1, ${F.createdMs}, ARGV[2], ${F.schemaVersion}, ${OPERATION_SCHEMA_VERSION})
if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], ${F.callbackSecret}, ARGV[8]) end
local heads = {}
local startable = {}
for i in string.gmatch(ARGV[13], '[0-9]+') do startable[tonumber(i)] = true end
local dispatch = {}
for i = 0, count - 1 do
  redis.call('HSET', KEYS[1], ${resultStatus('i')}, 'PENDING')
  local lane = KEYS[8 + i]
  local len = redis.call('RPUSH', lane, ARGV[1] .. '${TARGET_REF_SEPARATOR}' .. i)
  heads[i + 1] = ''
  if len > 1 then
    heads[i + 1] = redis.call('LINDEX', lane, -2)
    redis.call('HSET', KEYS[1], ${resultDetail('i')}, cjson.encode({queuedBehind = heads[i + 1]}))
  elseif ARGV[13] == '*' or startable[i] then
    dispatch[#dispatch + 1] = i
  end
end
if ARGV[12] ~= '' then
  redis.call('HSET', KEYS[1], ${F.rolloutCurrent}, 0, ${F.rolloutState}, 'RUNNING', ${F.rolloutOnFailure}, ARGV[12])
  redis.call('ZADD', KEYS[6], tonumber(ARGV[2]), ARGV[1])
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[7]))
redis.call('ZADD', KEYS[2], tonumber(ARGV[2]), ARGV[1])
-- lane heads that may start now go to the dispatcher; the unconfirmed set holds the operation until their jobs exist
if #dispatch > 0 then
  redis.call('ZADD', KEYS[3], tonumber(ARGV[2]), ARGV[1])
  redis.call('LPUSH', KEYS[7], ARGV[1] .. ':' .. table.concat(dispatch, ','))
end
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
 * target's lane (pops `laneEntry` when it heads it). With `taskId` it also records that Gcore task's state `task` (the
 * last task's end goes with the target's: one script call fewer per Gcore operation), even when it refuses the move.
 * `lane` is the op key again when not releasing: every declared key must be in the op's slot on Redis Cluster, and ''
 * hashes to slot 0, which Redis refuses with CROSSSLOT. A rollout halting on failure turns HALTED in the same step
 * (and, to revert, holds the operation open for its compensation); a halted rollout starts no further target
 * (PENDING → RUNNING is refused).
 */
export const transitionResultScript = defineScript({
  name: 'rpgTransitionResult',
  keys: ['op', 'lane'] as const,
  args: ['index', 'from', 'to', 'detail', 'nowIso', 'channel', 'ttlSeconds', 'laneEntry', 'statusIndexPrefix', 'operationId', 'taskId', 'task'] as const,
  reply: ([changed, resultStatus, operationStatus, terminalNow, nextLaneHead]: [number, string, string, number, string]): TransitionOutcome => ({
    changed: changed as TransitionOutcome['changed'],
    resultStatus,
    operationStatus,
    operationTerminalNow: terminalNow === 1,
    nextLaneHead,
  }),
  lua: `
${LUA_IS_TERMINAL}
${LUA_COUNT_ENDED}
${LUA_STATUS_INDEX_AND_PUBLISH}
local op = KEYS[1]
local idx = ARGV[1]
local field = ${resultStatus('idx')}
-- every field this step reads, in one command; an operation always has a status, so none means no operation
local got = redis.call('HMGET', op, field, ${F.status}, ${F.rolloutState}, ${F.rolloutOnFailure})
if not got[2] then return {-1, '', '', 0, ''} end
local cur = got[1]
local to = ARGV[3]
local allowed = false
for s in string.gmatch(ARGV[2], '[^,]+') do if s == cur then allowed = true end end
if allowed and cur == 'PENDING' and to == 'RUNNING' and got[3] == 'HALTED' then allowed = false end
local function nextHead(status)
  if KEYS[2] == nil or KEYS[2] == '' or KEYS[2] == op then return '' end
  local head = redis.call('LINDEX', KEYS[2], 0)
  if isTerminal(status) and head == ARGV[8] then
    redis.call('LPOP', KEYS[2])
    head = redis.call('LINDEX', KEYS[2], 0)
  end
  return head or ''
end
local taskField = ARGV[11] ~= '' and (${resultTaskPrefix('idx')} .. ARGV[11]) or nil
if not allowed then
  -- a task's state is its own fact: recorded even when the target ended meanwhile (as setTaskStateScript would)
  if taskField and redis.call('HGET', op, taskField) ~= ARGV[12] then
    redis.call('HSET', op, taskField, ARGV[12], ${F.updatedAt}, ARGV[5])
    publishChange(op, ARGV[6])
  end
  return {0, cur or '', got[2], 0, nextHead(cur)}
end
local fields = {field, to, ${F.updatedAt}, ARGV[5]}
if ARGV[4] ~= '' then
  fields[#fields + 1] = ${resultDetail('idx')}
  fields[#fields + 1] = ARGV[4]
end
if taskField then
  fields[#fields + 1] = taskField
  fields[#fields + 1] = ARGV[12]
end
redis.call('HSET', op, unpack(fields))
local opStatus = got[2]
local previousStatus = opStatus
local terminalNow = 0
if to == 'FAILED' and cur ~= 'FAILED' then
  local mode = got[4]
  local state = got[3]
  if (mode == 'halt' or mode == 'revert') and (state == 'RUNNING' or state == 'PAUSED') then
    redis.call('HSET', op, ${F.rolloutState}, 'HALTED')
    if mode == 'revert' then redis.call('HSET', op, ${F.rolloutHold}, '1') end
  end
end
if isTerminal(to) and not isTerminal(cur) then
  local ended = countEnded(op, to == 'SUCCEEDED', ARGV[5], tonumber(ARGV[7]))
  if ended then
    opStatus = ended
    terminalNow = 1
  end
end
if opStatus == 'PENDING' then
  opStatus = 'RUNNING'
  redis.call('HSET', op, ${F.status}, opStatus)
end
moveStatusIndex(op, ARGV[9], ARGV[10], previousStatus, opStatus)
publishChange(op, ARGV[6])
return {1, to, opStatus, terminalNow, nextHead(to)}
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
