-- Writes one feature flag and moves the flags' version counter, atomically.
-- KEYS[1]  the flags hash (field: flag name, value: JSON document)
-- KEYS[2]  the version counter; same hash tag as KEYS[1]
-- ARGV[1]  flag name (validated by the caller: [A-Za-z0-9_.-])
-- ARGV[2]  enabled: '1' or '0'
-- ARGV[3]  rolloutPercent: an integer 0 to 100
-- Returns  the stored JSON document: {"name","enabled","rolloutPercent","updatedAt" (epoch ms, Redis TIME),"version"}
local t = redis.call('TIME')
local version = redis.call('INCR', KEYS[2])
-- Built as text: cjson would print the epoch ms in exponent form and the version as a float.
local ms = t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000))
local doc = '{"name":"' .. ARGV[1] .. '","enabled":' .. (ARGV[2] == '1' and 'true' or 'false')
  .. ',"rolloutPercent":' .. tonumber(ARGV[3]) .. ',"updatedAt":' .. ms .. ',"version":' .. version .. '}'
redis.call('HSET', KEYS[1], ARGV[1], doc)
return doc
