-- sched_record: records a dispatch (or a failure), moves the next fire on and releases owner
-- ARGV[2]'s claim.
--
-- KEYS[1] entries hash   KEYS[2] due zset
-- ARGV[1] id, ARGV[3] next fire or '', ARGV[4] '1' failed | '0', ARGV[5] error, ARGV[6] fire
-- time, ARGV[7] dispatches counted, ARGV[8] drift ms, ARGV[9] published at
--
-- Returns the entry's fields, or nil when it is gone.
--#include sched_fields
local id = ARGV[1]
if redis.call('HEXISTS', KEYS[1], 'i:' .. id) == 0 then return nil end
redis.call('HSET', KEYS[1], 'n:' .. id, ARGV[3])
if ARGV[4] == '0' then
  redis.call('HSET', KEYS[1], 'r:' .. id, ARGV[6], 'd:' .. id, ARGV[8])
  redis.call('HINCRBY', KEYS[1], 't:' .. id, ARGV[7])
else
  redis.call('HSET', KEYS[1], 'e:' .. id, ARGV[5], 'ea:' .. id, ARGV[9])
end
sched_index(KEYS[1], KEYS[2], id)
if redis.call('HGET', KEYS[1], 'c:' .. id) == ARGV[2] then
  redis.call('HDEL', KEYS[1], 'c:' .. id, 'cu:' .. id)
end
return sched_fields(KEYS[1], id)
