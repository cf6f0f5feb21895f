-- Writes one feature flag and moves the flags' version, atomically, in the single flags hash.
-- KEYS[1]  the flags hash: one field per flag (a JSON document), plus `__version` (write counter) and
--          `__epoch` (random, set by the first write: a new epoch means the hash was lost and rebuilt)
-- ARGV[1]  flag name (validated by the caller: [A-Za-z0-9][A-Za-z0-9_.-]*, never `__...`)
-- ARGV[2]  enabled: '1' or '0'
-- ARGV[3]  rolloutPercent: an integer 0 to 100
-- ARGV[4]  a fresh random epoch, used only when the hash has none
-- Returns  { epoch, document }; the document is
--          {"name","enabled","rolloutPercent","updatedAt" (epoch ms, Redis TIME),"version"}
local epoch = redis.call('HGET', KEYS[1], '__epoch')
if not epoch then
  epoch = ARGV[4]
  redis.call('HSET', KEYS[1], '__epoch', epoch)
end
local version = redis.call('HINCRBY', KEYS[1], '__version', 1)
local t = redis.call('TIME')
-- Built as text: cjson would print the epoch ms in exponent form.
local ms = t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000))
local doc = '{"name":"' .. ARGV[1] .. '","enabled":' .. (ARGV[2] == '1' and 'true' or 'false')
  .. ',"rolloutPercent":' .. tonumber(ARGV[3]) .. ',"updatedAt":' .. ms .. ',"version":' .. version .. '}'
redis.call('HSET', KEYS[1], ARGV[1], doc)
return { epoch, doc }
