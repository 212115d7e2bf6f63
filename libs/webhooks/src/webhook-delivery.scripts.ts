import { defineScript } from '@rpg/redis';

/**
 * The Lua of the delivery store. Every key a script touches is declared (one hash tag: one Redis Cluster slot). A
 * delivery without a lane passes its own key as `lane`: '' would hash to slot 0 (CROSSSLOT).
 *
 * Lanes: one list per endpoint and operation, the deliveries still to send, head first. While a lane is not empty it
 * has a lease in `runs` (member: the lane key, score: until when, epoch ms, its runner may work without taking over):
 * set by the script that fills an empty lane, removed by the one that empties it, moved on by its runner. A lease that
 * ran out is a lane whose runner went away (a worker killed): the next sweep takes it over.
 */

/** What `createDeliveries` replies: `stale` when the subscription list it was planned from changed since. */
export type CreatedDeliveries = { stale: true } | { stale: false; created: string[]; starts: string[] };

/**
 * Creates the planned deliveries that do not exist yet (SET NX: a completion step that runs twice creates each once),
 * lists them under their subscription (newest first, `keep` kept) and queues them on their lane. `plan` (JSON): one
 * group per endpoint and operation, `{ d: [[key index, id, json], ...], q: lane key index, l: list key index }` (0:
 * none; indexes into KEYS). Refused (`-1`) when `revision` is not '' and the subscriptions' revision moved on: the
 * plan was made from a stale list. Replies the deliveries created, and those that start a run: the first one queued on
 * an empty lane (its lease taken here), and each one created without a lane.
 */
export const createDeliveriesScript = defineScript({
  name: 'rpgCreateDeliveries',
  keys: ['revision', 'runs', '...planned'] as const,
  args: ['revision', 'ttlSeconds', 'keep', 'leaseUntil', 'plan'] as const,
  reply: (reply: -1 | [string[], string[]]): CreatedDeliveries => (reply === -1 ? { stale: true } : { stale: false, created: reply[0], starts: reply[1] }),
  lua: `
if ARGV[1] ~= '' and (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return -1 end
local ttl, keep = tonumber(ARGV[2]), tonumber(ARGV[3])
local created, starts = {}, {}
for _, group in ipairs(cjson.decode(ARGV[5])) do
  local ids = {}
  for _, d in ipairs(group.d) do
    if redis.call('SET', KEYS[d[1]], d[3], 'EX', ttl, 'NX') then ids[#ids + 1] = d[2] end
  end
  if #ids > 0 then
    for _, id in ipairs(ids) do created[#created + 1] = id end
    if group.l > 0 and redis.call('LPUSH', KEYS[group.l], unpack(ids)) > keep then redis.call('LTRIM', KEYS[group.l], 0, keep - 1) end
    if group.q == 0 then
      for _, id in ipairs(ids) do starts[#starts + 1] = id end
    elseif redis.call('RPUSH', KEYS[group.q], unpack(ids)) == #ids then
      redis.call('ZADD', KEYS[2], ARGV[4], KEYS[group.q])
      starts[#starts + 1] = ids[1]
    end
  end
end
return {created, starts}
`,
});

/**
 * Writes the ended delivery (unless `json` is '') and lets its lane move on: pops the deliveries `ended` (space-separated,
 * in lane order: ended and stored before, this one last) as far as they head the lane. Replies the lane's next
 * delivery, or '' when the lane is empty now (its lease removed).
 */
export const finishDeliveryScript = defineScript({
  name: 'rpgFinishDelivery',
  keys: ['delivery', 'lane', 'runs'] as const,
  args: ['json', 'ttlSeconds', 'ended'] as const,
  reply: (next: string) => next,
  lua: `
if ARGV[1] ~= '' then redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2])) end
if KEYS[2] == KEYS[1] then return '' end
local ended = {}
for id in string.gmatch(ARGV[3], '%S+') do ended[#ended + 1] = id end
local ahead = redis.call('LRANGE', KEYS[2], 0, #ended)
local popped = 0
while popped < #ended and ahead[popped + 1] == ended[popped + 1] do popped = popped + 1 end
if popped > 0 then redis.call('LPOP', KEYS[2], popped) end
local next = ahead[popped + 1]
if next then return next end
redis.call('ZREM', KEYS[3], KEYS[2])
return ''
`,
});

/** Writes a delivery waiting for its retry, and moves its lane's lease past the retry (nobody takes the lane over meanwhile). */
export const deferDeliveryScript = defineScript({
  name: 'rpgDeferDelivery',
  keys: ['delivery', 'lane', 'runs'] as const,
  args: ['json', 'ttlSeconds', 'leaseUntil'] as const,
  reply: () => undefined,
  lua: `
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
if KEYS[2] ~= KEYS[1] then redis.call('ZADD', KEYS[3], ARGV[3], KEYS[2]) end
return 1
`,
});

/** Takes a lane over when its lease ran out by `now`: a new lease until `leaseUntil`; replies its head, or '' (not due, or empty: lease removed). */
export const claimLaneScript = defineScript({
  name: 'rpgClaimLane',
  keys: ['runs', 'lane'] as const,
  args: ['now', 'leaseUntil'] as const,
  reply: (head: string) => head,
  lua: `
local due = redis.call('ZSCORE', KEYS[1], KEYS[2])
if not due or tonumber(due) > tonumber(ARGV[1]) then return '' end
local head = redis.call('LINDEX', KEYS[2], 0)
if not head then
  redis.call('ZREM', KEYS[1], KEYS[2])
  return ''
end
redis.call('ZADD', KEYS[1], ARGV[2], KEYS[2])
return head
`,
});
