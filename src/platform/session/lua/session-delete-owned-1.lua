-- Deletes a session record if it belongs to the given owner: the check and the delete in one step, so a
-- record cannot change hands between them.
-- KEYS[1]: the session key ({prefix}:session:{kind}:{id}), a JSON document with an `owner` field
-- ARGV[1]: the owner whose record may be deleted ('' = any owner: an admin)
-- Returns: 1 deleted, 0 absent or someone else's
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
if ARGV[1] ~= '' then
  local ok, doc = pcall(cjson.decode, raw)
  if not ok or type(doc) ~= 'table' or doc.owner ~= ARGV[1] then return 0 end
end
return redis.call('DEL', KEYS[1])
