-- Deletes a cache entry by leaving a tombstone that carries the next version: a fill that observed the
-- old value (or the absence of one) cannot write it back while the tombstone lives.
-- KEYS[1]: entry key
-- ARGV[1]: tombstone ttl ms
-- Returns: the tombstone's version
local cur = redis.call('GET', KEYS[1])
local version = 0
if cur then version = tonumber(string.match(cur, '^[ET]|(%d+)|')) or 0 end
version = version + 1
redis.call('SET', KEYS[1], 'T|' .. version .. '|', 'PX', tonumber(ARGV[1]))
return version
