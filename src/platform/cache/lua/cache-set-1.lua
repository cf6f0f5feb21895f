-- Writes a cache entry unconditionally (an explicit set), bumping the key's version so that any fill
-- in flight, which saw the older version, loses its compare-and-set.
-- KEYS[1]: entry key
-- ARGV[1]: epoch; ARGV[2]: ttl ms; ARGV[3]: grace ms; ARGV[4]: flags; ARGV[5]: tags (tag=version,...);
-- ARGV[6]: payload
-- Returns: { new version, server time ms }
local cur = redis.call('GET', KEYS[1])
local version = 0
if cur then version = tonumber(string.match(cur, '^[ET]|(%d+)|')) or 0 end
version = version + 1
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
local grace = tonumber(ARGV[3])
local header = 'E|' .. version .. '|' .. ARGV[1] .. '|' .. string.format('%d', now + ttl) .. '|' ..
  string.format('%d', now + ttl + grace) .. '|' .. ARGV[4] .. '|' .. ARGV[5] .. '\n'
redis.call('SET', KEYS[1], header .. ARGV[6], 'PX', ttl + grace)
return { version, now }
