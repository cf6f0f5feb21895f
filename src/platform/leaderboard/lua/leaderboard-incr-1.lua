-- Adds to a member's score, refusing a result outside the exact integer range of a double.
-- Scores are stored negated (see leaderboard.service.ts): ascending order is then highest score first,
-- and Redis orders equal scores by member bytes ascending, which is the tie order wanted.
-- KEYS[1]  the board (sorted set)
-- ARGV[1]  member
-- ARGV[2]  increment (an integer; may be negative)
-- ARGV[3]  largest magnitude a score may reach (9007199254740991)
-- Returns  the new score (not negated; an integer reply, exact), or the error reply 'LB_RANGE ...' when it would leave the range
local stored = redis.call('ZSCORE', KEYS[1], ARGV[1])
local score = (stored and -tonumber(stored) or 0) + tonumber(ARGV[2])
if math.abs(score) > tonumber(ARGV[3]) then
  return redis.error_reply('LB_RANGE the score would leave the exact integer range')
end
redis.call('ZADD', KEYS[1], -score, ARGV[1])
return score
