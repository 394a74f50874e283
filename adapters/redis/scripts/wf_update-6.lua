-- wf_update: one conditional state change of a run, with its due entry and watcher kept in step.
--
-- KEYS[1] run hash, KEYS[2] its watcher hash, KEYS[3] due zset, KEYS[4] all-watchers zset,
-- KEYS[5] the topic zset of a new watcher (any key when none), KEYS[6] sequence counter
-- ARGV[1] condition: 'any' | 'suspended' (only a suspended run) | 'live' (running or suspended)
-- ARGV[2] run id, ARGV[3] topic key prefix, ARGV[4] due time or '' (leave the due index without
-- the run), ARGV[5] '1' to drop the watcher and due entry first, ARGV[6] '1' to add a watcher
-- from ARGV[7..11] (step, topic, createdAt, deadline or '', data JSON), ARGV[12..] field/value
-- pairs for the run hash ('' deletes the field).
--
-- Returns 1 when changed, 0 when the condition failed, -1 when the run does not exist.
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local status = redis.call('HGET', KEYS[1], 'status')
if ARGV[1] == 'suspended' and status ~= 'suspended' then return 0 end
if ARGV[1] == 'live' and status ~= 'running' and status ~= 'suspended' then return 0 end
local id = ARGV[2]
if ARGV[5] == '1' then
  local topic = redis.call('HGET', KEYS[2], 'topic')
  if topic then redis.call('ZREM', ARGV[3] .. topic, id) end
  redis.call('ZREM', KEYS[4], id)
  redis.call('DEL', KEYS[2])
  redis.call('ZREM', KEYS[3], id)
end
if ARGV[6] == '1' then
  local seq = redis.call('INCR', KEYS[6])
  redis.call('HSET', KEYS[2], 'stepName', ARGV[7], 'topic', ARGV[8], 'createdAt', ARGV[9],
    'data', ARGV[11], 'seq', tostring(seq))
  if ARGV[10] ~= '' then redis.call('HSET', KEYS[2], 'deadline', ARGV[10]) end
  redis.call('ZADD', KEYS[5], seq, id)
  redis.call('ZADD', KEYS[4], seq, id)
end
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[3], ARGV[4], id) end
for i = 12, #ARGV, 2 do
  if ARGV[i + 1] == '' then
    redis.call('HDEL', KEYS[1], ARGV[i])
  else
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
return 1
