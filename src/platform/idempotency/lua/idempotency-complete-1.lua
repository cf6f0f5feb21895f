-- Stores the response of a claimed request and keeps it for the retention period.
-- KEYS[1]: the record hash
-- ARGV[1]: owner token; ARGV[2]: request fingerprint; ARGV[3]: status; ARGV[4]: headers (JSON);
-- ARGV[5]: body (base64); ARGV[6]: retention in ms
-- Returns: 1 stored; 0 not stored because another request has claimed the key since our lease ran out.
-- A record that expired meanwhile (lease lost, nobody retried yet) is written again: the response exists.
local owner = redis.call('HGET', KEYS[1], 'owner')
if owner and owner ~= ARGV[1] then
  return 0
end
if not owner and redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'state', 'done', 'fp', ARGV[2], 'status', ARGV[3], 'headers', ARGV[4], 'body', ARGV[5])
redis.call('HDEL', KEYS[1], 'owner')
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return 1
