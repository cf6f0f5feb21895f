-- Frees a claimed key (the handler failed with a 5xx or was not run) so that a retry executes again.
-- KEYS[1]: the record
-- ARGV[1]: the running record this request claimed
-- Returns: 1 released; 0 not ours any more (nothing done).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
return 1
