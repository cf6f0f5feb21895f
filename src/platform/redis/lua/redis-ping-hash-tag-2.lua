-- Self-test of the script path, used by the topology suite and the health check of script loading.
-- KEYS[1], KEYS[2]: two keys with one hash tag (same Cluster slot)
-- ARGV[1]: value to write to both; ARGV[2]: TTL in ms
-- Returns: { value read back from KEYS[1], value read back from KEYS[2], server time in ms }
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
local t = redis.call('TIME')
return { redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2]), tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) }
