-- Single-flight lock of one cache key, and a look at the entry in the same round trip: a caller that saw
-- a miss learns whether someone filled the key since (and then reads it instead of loading it again).
-- Later callers mark the lock contended (a trailing '+') so its holder announces the fill on the bus.
-- KEYS[1]: entry key; KEYS[2]: its lock key (same hash tag)
-- ARGV[1]: token; ARGV[2]: lock ttl ms
-- Returns: { 1 acquired | 0 held by someone else, the entry's header line or nil }
local cur = redis.call('GET', KEYS[1])
local header = false
if cur then
  local nl = string.find(cur, '\n', 1, true)
  if nl then header = string.sub(cur, 1, nl - 1) else header = cur end
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', tonumber(ARGV[2])) then return { 1, header } end
local lock = redis.call('GET', KEYS[2])
if lock and string.sub(lock, -1) ~= '+' then redis.call('APPEND', KEYS[2], '+') end
return { 0, header }
