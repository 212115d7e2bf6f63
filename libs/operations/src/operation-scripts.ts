/**
 * Lua scripts: every status change of an operation is one atomic step guarded by the expected previous state,
 * so a job that runs twice (BullMQ is at-least-once) changes nothing the second time.
 */

/**
 * KEYS: op, index zset, unconfirmed zset, lane1..laneN. ARGV: id, nowMs, nowIso, meta, updates, count, ttlSeconds,
 * callbackSecret, status-index prefix. Returns isHead per target.
 */
export const CREATE_OPERATION = `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('EXISTS') end
local count = tonumber(ARGV[6])
redis.call('HSET', KEYS[1], 'meta', ARGV[4], 'updates', ARGV[5], 'status', 'PENDING', 'createdAt', ARGV[3], 'updatedAt', ARGV[3],
  'completedAt', '', 'count', count, 'done', 0, 'ok', 0, 'seq', 1, 'createdMs', ARGV[2])
if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], 'cbsecret', ARGV[8]) end
local heads = {}
for i = 0, count - 1 do
  redis.call('HSET', KEYS[1], 'r:' .. i .. ':s', 'PENDING')
  local lane = KEYS[4 + i]
  local len = redis.call('RPUSH', lane, ARGV[1] .. '#' .. i)
  heads[i + 1] = (len == 1) and 1 or 0
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[7]))
redis.call('ZADD', KEYS[2], tonumber(ARGV[2]), ARGV[1])
redis.call('ZADD', KEYS[3], tonumber(ARGV[2]), ARGV[1])
redis.call('ZADD', ARGV[9] .. 'PENDING', tonumber(ARGV[2]), ARGV[1])
return heads
`;

/**
 * KEYS: op, lane (KEYS[1] again when not releasing: every declared key must be in the op's slot on Redis Cluster, and
 * '' hashes to slot 0, which Redis refuses with CROSSSLOT). ARGV: index, allowed from-statuses (comma list), to, detail JSON or '',
 * nowIso, channel, ttlSeconds, laneEntry, status-index prefix, operation id.
 * Returns {changed(1/0/-1), resultStatus, opStatus, opTerminalNow, nextLaneHead}.
 */
export const TRANSITION_RESULT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, '', '', 0, ''} end
local idx = ARGV[1]
local field = 'r:' .. idx .. ':s'
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
  return {0, cur or '', redis.call('HGET', KEYS[1], 'status'), 0, nextHead()}
end
local to = ARGV[3]
redis.call('HSET', KEYS[1], field, to, 'updatedAt', ARGV[5])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'r:' .. idx .. ':d', ARGV[4]) end
local opStatus = redis.call('HGET', KEYS[1], 'status')
local previousStatus = opStatus
local terminalNow = 0
if (to == 'SUCCEEDED' or to == 'FAILED') and cur ~= 'SUCCEEDED' and cur ~= 'FAILED' then
  local done = redis.call('HINCRBY', KEYS[1], 'done', 1)
  local ok = tonumber(redis.call('HGET', KEYS[1], 'ok'))
  if to == 'SUCCEEDED' then ok = redis.call('HINCRBY', KEYS[1], 'ok', 1) end
  local count = tonumber(redis.call('HGET', KEYS[1], 'count'))
  if done >= count then
    if ok == count then opStatus = 'SUCCEEDED' elseif ok == 0 then opStatus = 'FAILED' else opStatus = 'PARTIALLY_SUCCEEDED' end
    redis.call('HSET', KEYS[1], 'status', opStatus, 'completedAt', ARGV[5])
    redis.call('EXPIRE', KEYS[1], tonumber(ARGV[7]))
    terminalNow = 1
  end
end
if opStatus == 'PENDING' then
  opStatus = 'RUNNING'
  redis.call('HSET', KEYS[1], 'status', opStatus)
end
if opStatus ~= previousStatus then
  local createdMs = tonumber(redis.call('HGET', KEYS[1], 'createdMs'))
  redis.call('ZREM', ARGV[9] .. previousStatus, ARGV[10])
  redis.call('ZADD', ARGV[9] .. opStatus, createdMs, ARGV[10])
end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('PUBLISH', ARGV[6], seq)
return {1, to, opStatus, terminalNow, nextHead()}
`;

/** KEYS: op. ARGV: index, taskId, task JSON, nowIso, channel. Returns the JSON of every task of that result (in taskIds order, '' when unknown). */
export const SET_TASK_STATE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
local idx = ARGV[1]
local prefix = 'r:' .. idx .. ':t:'
local before = redis.call('HGET', KEYS[1], prefix .. ARGV[2])
if before ~= ARGV[3] then
  redis.call('HSET', KEYS[1], prefix .. ARGV[2], ARGV[3], 'updatedAt', ARGV[4])
  local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
  redis.call('PUBLISH', ARGV[5], seq)
end
local detail = redis.call('HGET', KEYS[1], 'r:' .. idx .. ':d')
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
`;
