-- Single-flight lock of one cache key: the first caller gets it; later callers mark it contended (a
-- trailing '+') so the holder knows to announce the fill on the bus.
-- KEYS[1]: lock key
-- ARGV[1]: token; ARGV[2]: ttl ms
-- Returns: 1 acquired | 0 held by someone else
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', tonumber(ARGV[2])) then return 1 end
local cur = redis.call('GET', KEYS[1])
if cur and string.sub(cur, -1) ~= '+' then redis.call('APPEND', KEYS[1], '+') end
return 0
