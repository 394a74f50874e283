-- sched_remove: deletes an entry, its claim and its due index member; tells other Beats.
--
-- KEYS[1] entries hash   KEYS[2] due zset
-- ARGV[1] id, ARGV[2] change channel
--
-- Returns 1 when there was an entry, else 0.
local id = ARGV[1]
local existed = redis.call('HEXISTS', KEYS[1], 'i:' .. id)
local fields = {}
for _, f in ipairs({ 'i', 'v', 'n', 'r', 't', 'e', 'ea', 'd', 'on', 'c', 'cu' }) do
  fields[#fields + 1] = f .. ':' .. id
end
redis.call('HDEL', KEYS[1], unpack(fields))
redis.call('ZREM', KEYS[2], id)
if existed == 1 then redis.call('PUBLISH', ARGV[2], id) end
return existed
