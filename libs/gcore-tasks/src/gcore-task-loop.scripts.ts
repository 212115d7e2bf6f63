import { defineScript } from '@rpg/redis';

/**
 * The poll schedule in Redis: the sorted set `task-loops` (task id → when its next poll is due, or while a worker polls
 * it, when that worker's lease ends) and one hash per loop, `task-loop:<id>`:
 *   data   the loop's JSON (GcoreTaskLoop)
 *   due    when its next poll is due (ms): equal to its score unless a worker holds it (then the score is the lease)
 *   retry  polls that failed in a row (a transient GET failure): the loop is backing off while > 0
 *   polled when its last poll was written back (ms): a loop brought forward is not polled again sooner than a gap after it
 *   ended  '1' once the loop settled (its record is written), until every waiter was told and the loop is removed
 *   poke   how the task sweep saw the task end ('page' | 'pages'), for the next poll only, until `pokeUntil` (ms); a field
 *          rather than a key of its own, so the claim reads it with the rest and the reschedule clears it (no command of
 *          its own per poll)
 * Every key shares the one hash tag of RedisKeys (one slot), so scripts may name a loop's hash from its id.
 */

/** Lua: creates the loop unless one is scheduled for the task (one loop per task id, however many waiters); `created` says whether it did. */
export const CREATE_LOOP_LUA = (loops: string, loop: string, taskId: string, data: string, dueAt: string): string => `
local created = redis.call('ZADD', ${loops}, 'NX', ${dueAt}, ${taskId}) == 1
if created then redis.call('HSET', ${loop}, 'data', ${data}, 'due', ${dueAt}, 'retry', 0) end`;

/** Lua: marks the loop ended (its waiters are being told; removed by finishLoopScript), if it exists. */
export const END_LOOP_LUA = (loop: string): string => `
if redis.call('EXISTS', ${loop}) == 1 then redis.call('HSET', ${loop}, 'ended', '1') end`;

/** One loop as claimLoopsScript replies it: [id, data, due, retry, ended, poke]. */
export interface ClaimedLoopReply {
  taskId: string;
  /** The loop's JSON ('' when its hash is gone: a bug, the poller abandons the loop). */
  data: string;
  dueAt: number;
  failures: number;
  ended: boolean;
  /** How the sweep saw the task end, when it brought this poll forward for that (read by this poll only). */
  poke: 'page' | 'pages' | null;
}

/**
 * Claims up to `limit` loops due by `now`: moves each one's score to `leaseUntil` (a worker that dies while polling
 * leaves them to come due again then) and replies their state (a poke only while it is fresh), after the earliest score
 * left in the schedule ('' when the schedule is empty), so the poller knows when to look again without another command.
 */
export const claimLoopsScript = defineScript({
  name: 'rpgClaimTaskLoops',
  keys: ['loops'] as const,
  args: ['now', 'leaseUntil', 'limit', 'loopPrefix'] as const,
  reply: ([head, ...flat]: string[]) => {
    const loops: ClaimedLoopReply[] = [];
    for (let i = 0; i + 5 < flat.length; i += 6) {
      const poke = flat[i + 5] === 'page' || flat[i + 5] === 'pages' ? (flat[i + 5] as 'page' | 'pages') : null;
      loops.push({ taskId: flat[i], data: flat[i + 1], dueAt: Number(flat[i + 2]), failures: Number(flat[i + 3]) || 0, ended: flat[i + 4] === '1', poke });
    }
    return { loops, nextDueAt: head === '' ? null : Number(head) };
  },
  lua: `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
local out = {''}
if #due > 0 then
  local moves = {}
  for i = 1, #due, 2 do
    local id = due[i]
    moves[#moves + 1] = ARGV[2]
    moves[#moves + 1] = id
    local f = redis.call('HMGET', ARGV[4] .. id, 'data', 'due', 'retry', 'ended', 'poke', 'pokeUntil')
    out[#out + 1] = id
    out[#out + 1] = f[1] or ''
    out[#out + 1] = f[2] or due[i + 1]
    out[#out + 1] = f[3] or '0'
    out[#out + 1] = f[4] or ''
    out[#out + 1] = (f[5] and (tonumber(f[6]) or 0) >= tonumber(ARGV[1])) and f[5] or ''
  end
  redis.call('ZADD', KEYS[1], unpack(moves))
end
local head = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
out[1] = head[2] or ''
return out
`,
});

/**
 * The next poll of a claimed loop, polled at `now`: due at `dueAt`, with `data` ('' keeps the stored JSON) and `retry`
 * failures in a row; the poke the claim read is spent. Only a loop still scheduled moves (one removed meanwhile stays
 * removed); replies whether it did.
 */
export const rescheduleLoopScript = defineScript({
  name: 'rpgRescheduleTaskLoop',
  keys: ['loops', 'loop'] as const,
  args: ['taskId', 'dueAt', 'data', 'retry', 'now'] as const,
  reply: (moved: number) => moved === 1,
  lua: `
-- XX: never re-adds a removed loop; CH: 1 when the score changed (an unchanged score is rare: ZSCORE then tells)
if redis.call('ZADD', KEYS[1], 'XX', 'CH', ARGV[2], ARGV[1]) == 0 and not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local fields = {'due', ARGV[2], 'retry', ARGV[4], 'polled', ARGV[5], 'poke', ''}
if ARGV[3] ~= '' then
  fields[9] = 'data'
  fields[10] = ARGV[3]
end
redis.call('HSET', KEYS[2], unpack(fields))
return 1
`,
});

/** What bringLoopForwardScript did. */
export type BroughtForward = 'promoted' | 'busy' | 'missing' | 'kept';

/**
 * Makes a waiting loop due now, or `minGapMs` after its last poll if that is later (a burst of hints, or a listing right
 * after a poll, does not poll a task twice in a row), and replies 'promoted' (a loop due by then already: left as it
 * is); 'missing' without a loop; 'busy' while a worker polls it (that poll decides what comes next) or it is ending,
 * or, with `unlessBackingOff`, while it backs off after a failed GET; 'kept' when it is due at or before
 * `onlyIfDueAfter`. A `poke` (how the sweep saw the task end) is stored for the loop's next poll, for `pokeMs`.
 * (A poke key `tasksweep-poke:<id>` of the previous release is no longer read: it only ever cost a poll its hint.)
 * Publishes the new due time on `channel` ('' for none) when it moved the loop, so sleeping pollers look again.
 */
export const bringLoopForwardScript = defineScript({
  name: 'rpgBringTaskLoopForward',
  keys: ['loops', 'loop'] as const,
  args: ['taskId', 'now', 'minGapMs', 'unlessBackingOff', 'onlyIfDueAfter', 'poke', 'pokeMs', 'channel'] as const,
  reply: ([outcome, dueAt]: [BroughtForward, number?]) => ({ outcome, dueAt: dueAt ?? null }),
  lua: `
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then return {'missing'} end
score = tonumber(score)
local f = redis.call('HMGET', KEYS[2], 'due', 'retry', 'ended', 'polled')
if f[3] == '1' or tonumber(f[1]) ~= score then return {'busy'} end
if ARGV[4] == '1' and (tonumber(f[2]) or 0) > 0 then return {'busy'} end
if score <= tonumber(ARGV[5]) then return {'kept'} end
local fields = {}
if ARGV[6] ~= '' then fields = {'poke', ARGV[6], 'pokeUntil', tonumber(ARGV[2]) + tonumber(ARGV[7])} end
local at = math.max(tonumber(ARGV[2]), (tonumber(f[4]) or 0) + tonumber(ARGV[3]))
local moved = score > at
if moved then
  redis.call('ZADD', KEYS[1], at, ARGV[1])
  fields[#fields + 1] = 'due'
  fields[#fields + 1] = at
end
if #fields > 0 then redis.call('HSET', KEYS[2], unpack(fields)) end
if moved then
  if ARGV[8] ~= '' then redis.call('PUBLISH', ARGV[8], at) end
  return {'promoted', at}
end
return {'promoted', score}
`,
});

/** Starts a loop at `dueAt` unless the task has one (a poll job a worker of the previous release left in BullMQ); replies whether it did. */
export const adoptLoopScript = defineScript({
  name: 'rpgAdoptTaskLoop',
  keys: ['loops', 'loop'] as const,
  args: ['taskId', 'data', 'dueAt'] as const,
  reply: (created: number) => created === 1,
  lua: `${CREATE_LOOP_LUA('KEYS[1]', 'KEYS[2]', 'ARGV[1]', 'ARGV[2]', 'ARGV[3]')}
return created and 1 or 0
`,
});

/** Removes a loop whose waiters were all told (or that cannot go on). */
export const finishLoopScript = defineScript({
  name: 'rpgFinishTaskLoop',
  keys: ['loops', 'loop'] as const,
  args: ['taskId'] as const,
  reply: (removed: number) => removed === 1,
  lua: `
redis.call('DEL', KEYS[2])
return redis.call('ZREM', KEYS[1], ARGV[1])
`,
});
