-- Fills a cache entry after a miss, unless the key was set or deleted since the miss was observed
-- (compare-and-set on the entry version), and releases the single-flight lock if the caller holds it.
-- KEYS[1]: entry key; KEYS[2]: its lock key (same hash tag)
-- ARGV[1]: version observed at the miss (0 = absent); ARGV[2]: lock token, or '' when not holding it;
-- ARGV[3]: epoch; ARGV[4]: ttl ms; ARGV[5]: grace ms; ARGV[6]: flags; ARGV[7]: tags (tag=version,...);
-- ARGV[8]: payload
-- Returns: { 1 written | 0 lost the race, 1 when others waited on the lock | 0, server time ms }
local cur = redis.call('GET', KEYS[1])
local version = 0
if cur then version = tonumber(string.match(cur, '^[ET]|(%d+)|')) or 0 end
local contended = 0
if ARGV[2] ~= '' then
  local lock = redis.call('GET', KEYS[2])
  if lock and string.sub(lock, 1, #ARGV[2]) == ARGV[2] then
    if #lock > #ARGV[2] then contended = 1 end
    redis.call('DEL', KEYS[2])
  end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if version ~= tonumber(ARGV[1]) then return { 0, contended, now } end
local ttl = tonumber(ARGV[4])
local grace = tonumber(ARGV[5])
local header = 'E|' .. version .. '|' .. ARGV[3] .. '|' .. string.format('%d', now + ttl) .. '|' ..
  string.format('%d', now + ttl + grace) .. '|' .. ARGV[6] .. '|' .. ARGV[7] .. '\n'
redis.call('SET', KEYS[1], header .. ARGV[8], 'PX', ttl + grace)
return { 1, contended, now }
