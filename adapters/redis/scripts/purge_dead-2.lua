-- purge_dead: deletes dead letters newest first, optionally only those dead at or after a time
-- and at most a number of them.
--
-- KEYS[1] dead-letter stream   KEYS[2] dead-letter index hash
-- ARGV[1] since ms ('' = all)   ARGV[2] limit ('' = no limit)
--
-- Returns the number deleted.
--#include fields

if ARGV[1] == '' and ARGV[2] == '' then
  local n = redis.call('XLEN', KEYS[1])
  redis.call('DEL', KEYS[1], KEYS[2])
  return n
end
local start = ARGV[1] == '' and '-' or ARGV[1]
local limit = ARGV[2] == '' and redis.call('XLEN', KEYS[1]) or tonumber(ARGV[2])
if limit <= 0 then return 0 end
local entries = redis.call('XREVRANGE', KEYS[1], '+', start, 'COUNT', limit)
for _, entry in ipairs(entries) do
  redis.call('XDEL', KEYS[1], entry[1])
  local id = field(entry[2], 'i')
  if id and redis.call('HGET', KEYS[2], id) == entry[1] then redis.call('HDEL', KEYS[2], id) end
end
return #entries
