-- Takes a lock and, in the same atomic step, draws its fencing token.
-- KEYS[1]: lock key   ({prefix}:lock:{resource})      holds the owner token, expires after the TTL
-- KEYS[2]: fence key  ({prefix}:fence:{resource})     INCR counter, never expires (tokens only grow)
-- KEYS[3]: waiter flag ({prefix}:lock:{resource}:w)   set while someone waits, so release publishes
-- ARGV[1]: owner token (random, unique per acquisition)
-- ARGV[2]: TTL in ms
-- ARGV[3]: ms this caller may still wait (0: it will not wait, so no waiter flag is set)
-- Returns: { 1, fencing token } when taken; { 0, remaining TTL of the holder in ms } when busy.
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return { 1, redis.call('INCR', KEYS[2]) }
end
local wait = tonumber(ARGV[3])
if wait > 0 and redis.call('PTTL', KEYS[3]) < wait then
  redis.call('SET', KEYS[3], '1', 'PX', wait)
end
return { 0, redis.call('PTTL', KEYS[1]) }
