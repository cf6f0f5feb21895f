-- Stores the response of a claimed request and keeps it for the retention period (GET and SET, no more).
-- KEYS[1]: the record (a string, see idempotency.record.ts)
-- ARGV[1]: the running record this request claimed (`r\n<fingerprint>\n<owner>`); ARGV[2]: the done
-- record; ARGV[3]: retention in ms
-- Returns: 1 stored; 0 not stored because another request holds or completed the key since our lease ran
-- out. A record that expired meanwhile (lease lost, nobody retried yet) is written again: the response exists.
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
