/**
 * The Lua scripts of the Redis connection limits. Each runs atomically on Redis, on Redis's own
 * clock (`TIME`), so workers on machines whose clocks disagree still share one window and one
 * lease clock. Keys, per connection identity (hash-tagged, so one identity's keys share a slot in
 * a cluster):
 *
 * - `held`: ZSET of the slots in use (`maxConcurrency`), member a lease id, score its expiry.
 * - `started`: ZSET of the requests started in the window (`requestsPerMinute`), scored by start:
 *   a sliding-window log, as the engine's own `RateWindow`, so the limit holds over any window.
 * - `queue`: ZSET of the waiters, scored by arrival in microseconds, each after the last (so two
 *   arriving in the same microsecond keep their order): first come, first served across processes.
 * - `seen`: ZSET of the same waiters, scored by when they stop counting unless they look again.
 * - `backoff`: a string whose time to live is the identity's shared back-off after a 429.
 *
 * A slot given back is announced on the channel `<prefix>:limits:freed` (the message: the identity).
 */

const NOW = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
`;

/**
 * KEYS: held, started, queue, seen, backoff. ARGV: lease id, maxConcurrency (0: none),
 * requestsPerMinute (0: none), window ms, lease ms, waiter ms (how long a waiter keeps its place
 * without looking again). Gives `{1, 0}` when the slot is taken, else `{0, ms}`: how long until
 * something may change (0: unknown, a holder has to finish).
 */
export const ACQUIRE_SCRIPT = `${NOW}
local id = ARGV[1]
local max = tonumber(ARGV[2])
local rpm = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
local lease = tonumber(ARGV[5])
local patience = tonumber(ARGV[6])
local gone = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now)
for _, member in ipairs(gone) do
  redis.call('ZREM', KEYS[3], member)
  redis.call('ZREM', KEYS[4], member)
end
local wait = redis.call('PTTL', KEYS[5])
if wait < 0 then wait = 0 end
local free = -1
if max > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  free = math.max(0, max - redis.call('ZCARD', KEYS[1]))
end
if rpm > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
  local room = math.max(0, rpm - redis.call('ZCARD', KEYS[2]))
  if room == 0 then
    local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    wait = math.max(wait, tonumber(oldest[2]) + window - now, 1)
  end
  if free < 0 or room < free then free = room end
end
local ahead = redis.call('ZRANK', KEYS[3], id)
if not ahead then ahead = redis.call('ZCARD', KEYS[3]) end
if wait == 0 and (free < 0 or ahead < free) then
  redis.call('ZREM', KEYS[3], id)
  redis.call('ZREM', KEYS[4], id)
  if max > 0 then
    redis.call('ZADD', KEYS[1], now + lease, id)
    redis.call('PEXPIRE', KEYS[1], lease)
  end
  if rpm > 0 then
    redis.call('ZADD', KEYS[2], now, id)
    redis.call('PEXPIRE', KEYS[2], window)
  end
  return {1, 0}
end
if not redis.call('ZSCORE', KEYS[3], id) then
  local arrival = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
  local last = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')
  if last[2] and tonumber(last[2]) >= arrival then arrival = tonumber(last[2]) + 1 end
  redis.call('ZADD', KEYS[3], arrival, id)
end
redis.call('ZADD', KEYS[4], now + patience, id)
redis.call('PEXPIRE', KEYS[3], patience)
redis.call('PEXPIRE', KEYS[4], patience)
return {0, wait}
`;

/** KEYS: held. ARGV: lease ms, lease ids. Pushes back the expiry of the leases still held. */
export const RENEW_SCRIPT = `${NOW}
local lease = tonumber(ARGV[1])
local renewed = 0
for index = 2, #ARGV do
  renewed = renewed + redis.call('ZADD', KEYS[1], 'XX', 'CH', now + lease, ARGV[index])
end
if renewed > 0 then redis.call('PEXPIRE', KEYS[1], lease) end
return renewed
`;

/**
 * KEYS: held, started, queue, seen. ARGV: lease id, channel, identity. A waiter that gave up
 * (aborted, or its Redis call failed): its place, and whatever its last call may still have taken,
 * are given back, and the waiters behind it are told.
 */
export const ABANDON_SCRIPT = `
for index = 1, 4 do redis.call('ZREM', KEYS[index], ARGV[1]) end
if redis.call('ZCARD', KEYS[3]) > 0 then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return 1
`;

/**
 * KEYS: held, queue. ARGV: lease id, channel, identity. Gives a slot back and, when someone
 * waits, says so on the channel, so that waiters in every process look again at once.
 */
export const RELEASE_SCRIPT = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 and redis.call('ZCARD', KEYS[2]) > 0 then
  redis.call('PUBLISH', ARGV[2], ARGV[3])
end
return 1
`;

/** KEYS: backoff. ARGV: ms. Starts or lengthens (never shortens) the shared back-off. */
export const THROTTLED_SCRIPT = `
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 1
`;
