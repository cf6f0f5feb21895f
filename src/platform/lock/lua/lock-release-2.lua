-- Releases a lock only when the caller still owns it, and wakes waiters (if any) by PUBLISH.
-- KEYS[1]: lock key   ({prefix}:lock:{resource})
-- KEYS[2]: waiter flag ({prefix}:lock:{resource}:w)
-- ARGV[1]: owner token
-- ARGV[2]: notification channel (the lock key is the message)
-- Returns: 1 when released, 0 when the lock was not ours (expired, or taken by another owner).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('PUBLISH', ARGV[2], KEYS[1])
end
return 1
