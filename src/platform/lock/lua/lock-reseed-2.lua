-- Raises a resource's fence counter to a floor known to the caller (the high-water mark its store has
-- seen, e.g. after Redis lost the counter) and draws a new token above it, for a caller that still holds
-- the lock.
-- KEYS[1]: lock key  ({prefix}:lock:{resource})
-- KEYS[2]: fence key ({prefix}:fence:{resource})
-- ARGV[1]: owner token
-- ARGV[2]: floor: the highest token already written downstream
-- Returns: the new fencing token (> floor), or 0 when the lock is not ours any more.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
local floor = tonumber(ARGV[2])
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
if current < floor then
  redis.call('SET', KEYS[2], ARGV[2])
end
return redis.call('INCR', KEYS[2])
