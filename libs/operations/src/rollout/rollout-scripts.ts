/**
 * Lua scripts of staged rollouts: each step (cancel the unstarted targets, pause, start the next batch, begin and end the
 * compensation) is one atomic Redis step guarded by the rollout's expected state, so a job that runs twice changes
 * nothing the second time. Field names come from the codec; the shared snippets from operation-scripts.ts.
 */
import { defineScript } from '@rpg/redis';
import { TARGET_REF_SEPARATOR } from '@rpg/routing-policy';
import { OPERATION_LUA } from '../operation-record.codec';
import { LUA_COUNT_ENDED, LUA_IS_TERMINAL, LUA_STATUS_INDEX_AND_PUBLISH } from '../operation-scripts';

const { F, resultStatus, resultDetail, resultCompensation } = OPERATION_LUA;

const LUA_OPERATION_TERMINAL = `local function operationTerminal(s)
  return s == 'SUCCEEDED' or s == 'FAILED' or s == 'PARTIALLY_SUCCEEDED' or s == 'ROLLED_BACK' or s == 'ROLLBACK_FAILED'
end`;

export interface CancelOutcome {
  /** The indexes this step cancelled (PENDING ones only; the others ran or ended meanwhile). */
  cancelled: number[];
  operationStatus: string;
  operationTerminalNow: boolean;
  /** Lane entries (`<opId>#<index>`) that head their lane now that a cancelled target left it. */
  nextLaneHeads: string[];
}

/**
 * Cancels the given targets that are still PENDING (a halted rollout): each ends CANCELLED with `detail` and leaves its
 * lane (the next update of that target may start), and the operation ends with its last target unless held open.
 */
export const cancelPendingScript = defineScript({
  name: 'rpgCancelPending',
  keys: ['op', '...lanes'] as const,
  args: ['indexes', 'detail', 'nowIso', 'channel', 'ttlSeconds', 'statusIndexPrefix', 'operationId'] as const,
  reply: ([cancelled, status, terminalNow, heads]: [number[], string, number, string[]]): CancelOutcome => ({
    cancelled,
    operationStatus: status,
    operationTerminalNow: terminalNow === 1,
    nextLaneHeads: heads,
  }),
  lua: `
${LUA_IS_TERMINAL}
${LUA_COUNT_ENDED}
${LUA_STATUS_INDEX_AND_PUBLISH}
local op = KEYS[1]
if redis.call('EXISTS', op) == 0 then return {{}, '', 0, {}} end
local previousStatus = redis.call('HGET', op, ${F.status})
local opStatus = previousStatus
local terminalNow = 0
local cancelled = {}
local heads = {}
local n = 0
for idx in string.gmatch(ARGV[1], '[^,]+') do
  n = n + 1
  local lane = KEYS[1 + n]
  local field = ${resultStatus('idx')}
  if redis.call('HGET', op, field) == 'PENDING' then
    redis.call('HSET', op, field, 'CANCELLED', ${resultDetail('idx')}, ARGV[2])
    cancelled[#cancelled + 1] = tonumber(idx)
    local entry = ARGV[7] .. '${TARGET_REF_SEPARATOR}' .. idx
    local wasHead = redis.call('LINDEX', lane, 0) == entry
    redis.call('LREM', lane, 0, entry)
    if wasHead then
      local head = redis.call('LINDEX', lane, 0)
      if head then heads[#heads + 1] = head end
    end
    local ended = countEnded(op, false, ARGV[3], tonumber(ARGV[5]))
    if ended then
      opStatus = ended
      terminalNow = 1
    end
  end
end
if #cancelled > 0 then
  redis.call('HSET', op, ${F.updatedAt}, ARGV[3])
  moveStatusIndex(op, ARGV[6], ARGV[7], previousStatus, opStatus)
  publishChange(op, ARGV[4])
end
return {cancelled, opStatus, terminalNow, heads}
`,
});

/** Batch `from` ended: the rollout waits until `resumesAtMs` before the next (guarded: still RUNNING at that batch). */
export const pauseRolloutScript = defineScript({
  name: 'rpgPauseRollout',
  keys: ['op'] as const,
  args: ['from', 'resumesAtMs', 'nowIso', 'channel'] as const,
  reply: (changed: number): boolean => changed === 1,
  lua: `
${LUA_STATUS_INDEX_AND_PUBLISH}
local op = KEYS[1]
if redis.call('EXISTS', op) == 0 then return 0 end
if redis.call('HGET', op, ${F.rolloutCurrent}) ~= ARGV[1] or redis.call('HGET', op, ${F.rolloutState}) ~= 'RUNNING' then return 0 end
redis.call('HSET', op, ${F.rolloutState}, 'PAUSED', ${F.rolloutResumesAtMs}, ARGV[2], ${F.updatedAt}, ARGV[3])
publishChange(op, ARGV[4])
return 1
`,
});

/** Clocks of two processes may differ this much: a pause timer firing this early still starts the next batch. */
export const PAUSE_CLOCK_TOLERANCE_MS = 1000;

/**
 * Starts batch `from + 1` (guarded: batch `from` is the current one, RUNNING or PAUSED past its end); replies 1 and the
 * indexes of that batch that are PENDING at the head of their lane (their provider calls may be enqueued), else 0.
 */
export const advanceRolloutScript = defineScript({
  name: 'rpgAdvanceRollout',
  keys: ['op', '...lanes'] as const,
  args: ['from', 'indexes', 'nowMs', 'nowIso', 'channel', 'operationId'] as const,
  reply: ([changed, heads]: [number, number[]]): { advanced: boolean; heads: number[] } => ({ advanced: changed === 1, heads }),
  lua: `
${LUA_STATUS_INDEX_AND_PUBLISH}
local op = KEYS[1]
if redis.call('EXISTS', op) == 0 then return {0, {}} end
if redis.call('HGET', op, ${F.rolloutCurrent}) ~= ARGV[1] then return {0, {}} end
local state = redis.call('HGET', op, ${F.rolloutState})
if state ~= 'RUNNING' and state ~= 'PAUSED' then return {0, {}} end
local resumesAt = tonumber(redis.call('HGET', op, ${F.rolloutResumesAtMs}) or '0')
if state == 'PAUSED' and tonumber(ARGV[3]) < resumesAt - ${PAUSE_CLOCK_TOLERANCE_MS} then return {0, {}} end
redis.call('HSET', op, ${F.rolloutCurrent}, tonumber(ARGV[1]) + 1, ${F.rolloutState}, 'RUNNING', ${F.updatedAt}, ARGV[4])
redis.call('HDEL', op, ${F.rolloutResumesAtMs})
local heads = {}
local n = 0
for idx in string.gmatch(ARGV[2], '[^,]+') do
  n = n + 1
  if redis.call('HGET', op, ${resultStatus('idx')}) == 'PENDING' and redis.call('LINDEX', KEYS[1 + n], 0) == ARGV[6] .. '${TARGET_REF_SEPARATOR}' .. idx then
    heads[#heads + 1] = tonumber(idx)
  end
end
publishChange(op, ARGV[5])
return {1, heads}
`,
});

/**
 * A held rollout whose targets all ended begins its compensation: records the restoring operation's id and plan and
 * each target's compensation, COMPENSATING (guarded: once). Replies [1, id] the first time, else [0, the id recorded
 * then] ('' when not held or not every target ended).
 */
export const beginCompensationScript = defineScript({
  name: 'rpgBeginCompensation',
  keys: ['op'] as const,
  args: ['compensationId', 'plan', 'compensations', 'nowIso', 'channel'] as const,
  reply: ([began, id]: [number, string]): { began: boolean; compensationId: string } => ({ began: began === 1, compensationId: id }),
  lua: `
${LUA_OPERATION_TERMINAL}
${LUA_STATUS_INDEX_AND_PUBLISH}
local op = KEYS[1]
if redis.call('EXISTS', op) == 0 then return {0, ''} end
local existing = redis.call('HGET', op, ${F.compensationOperation})
if existing and existing ~= '' then return {0, existing} end
if redis.call('HGET', op, ${F.rolloutHold}) ~= '1' or operationTerminal(redis.call('HGET', op, ${F.status})) then return {0, ''} end
if tonumber(redis.call('HGET', op, ${F.done})) < tonumber(redis.call('HGET', op, ${F.count})) then return {0, ''} end
redis.call('HSET', op, ${F.compensationOperation}, ARGV[1], ${F.compensationPlan}, ARGV[2], ${F.rolloutState}, 'COMPENSATING', ${F.updatedAt}, ARGV[4])
for _, entry in ipairs(cjson.decode(ARGV[3])) do
  redis.call('HSET', op, ${resultCompensation('entry.index')}, entry.value)
end
publishChange(op, ARGV[5])
return {1, ARGV[1]}
`,
});

/**
 * Records targets' compensations (`[{index, value}]`, value JSON); replies the indexes whose record changed. Monotonic:
 * an ended compensation (SUCCEEDED, FAILED, SKIPPED) is never set back to PENDING by a caller that read the restoring
 * operation earlier, and nothing changes once the rollout ended.
 */
export const setCompensationsScript = defineScript({
  name: 'rpgSetCompensations',
  keys: ['op'] as const,
  args: ['entries', 'nowIso', 'channel'] as const,
  reply: (changed: number[]): number[] => changed,
  lua: `
${LUA_OPERATION_TERMINAL}
${LUA_STATUS_INDEX_AND_PUBLISH}
local op = KEYS[1]
if redis.call('EXISTS', op) == 0 or operationTerminal(redis.call('HGET', op, ${F.status})) then return {} end
local changed = {}
for _, entry in ipairs(cjson.decode(ARGV[1])) do
  local field = ${resultCompensation('entry.index')}
  local stored = redis.call('HGET', op, field)
  local ended = false
  if stored then
    local ok, previous = pcall(cjson.decode, stored)
    ended = ok and previous.status ~= 'PENDING'
  end
  local value = cjson.decode(entry.value)
  if stored ~= entry.value and not (ended and value.status == 'PENDING') then
    redis.call('HSET', op, field, entry.value)
    changed[#changed + 1] = entry.index
  end
end
if #changed > 0 then
  redis.call('HSET', op, ${F.updatedAt}, ARGV[2])
  publishChange(op, ARGV[3])
end
return changed
`,
});

/** Ends a held rollout after its compensation: ROLLED_BACK or ROLLBACK_FAILED (with the targets not restored), once. */
export const finishRollbackScript = defineScript({
  name: 'rpgFinishRollback',
  keys: ['op'] as const,
  args: ['status', 'notRestored', 'nowIso', 'ttlSeconds', 'statusIndexPrefix', 'operationId', 'channel'] as const,
  reply: (changed: number): boolean => changed === 1,
  lua: `
${LUA_OPERATION_TERMINAL}
${LUA_STATUS_INDEX_AND_PUBLISH}
local op = KEYS[1]
if redis.call('EXISTS', op) == 0 then return 0 end
local previousStatus = redis.call('HGET', op, ${F.status})
if redis.call('HGET', op, ${F.rolloutHold}) ~= '1' or operationTerminal(previousStatus) then return 0 end
redis.call('HSET', op, ${F.status}, ARGV[1], ${F.rolloutState}, ARGV[1], ${F.completedAt}, ARGV[3], ${F.updatedAt}, ARGV[3])
if ARGV[2] ~= '' then redis.call('HSET', op, ${F.rolloutNotRestored}, ARGV[2]) end
redis.call('EXPIRE', op, tonumber(ARGV[4]))
moveStatusIndex(op, ARGV[5], ARGV[6], previousStatus, ARGV[1])
publishChange(op, ARGV[7])
return 1
`,
});
