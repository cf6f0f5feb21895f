-- Reads every feature flag and the version they are complete up to, atomically.
-- KEYS[1]  the flags hash
-- KEYS[2]  the version counter; same hash tag as KEYS[1]
-- Returns  { version, name1, doc1, name2, doc2, ... }
local all = redis.call('HGETALL', KEYS[1])
table.insert(all, 1, redis.call('GET', KEYS[2]) or '0')
return all
