-- A member's rank and score, read atomically.
-- KEYS[1]  the board (sorted set, scores stored negated)
-- ARGV[1]  member
-- Returns  { 0-based rank, stored (negated) score } or nil when the member is not on the board
local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
if not rank then
  return nil
end
return { rank, redis.call('ZSCORE', KEYS[1], ARGV[1]) }
