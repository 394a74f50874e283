-- wf_rewind: drops the checkpoints of one base step name and every later one, then marks the
-- run suspended at that step (the caller re-enqueues it).
--
-- KEYS[1] run hash, KEYS[2] steps hash, KEYS[3] step order zset, KEYS[4] watcher hash,
-- KEYS[5] due zset, KEYS[6] all-watchers zset
-- ARGV[1] base step name, ARGV[2] run id, ARGV[3] topic key prefix, ARGV[4] now,
-- ARGV[5] suspension data JSON
--
-- Returns 1, or -1 when the run does not exist.
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local names = redis.call('ZRANGE', KEYS[3], 0, -1)
local cut = false
local bases = {}
local count = 0
for _, name in ipairs(names) do
  local base = string.gsub(name, '#%d+$', '')
  if base == ARGV[1] then cut = true end
  if cut then
    redis.call('HDEL', KEYS[2], name)
    redis.call('ZREM', KEYS[3], name)
  elseif not bases[base] then
    bases[base] = true
    count = count + 1
  end
end
local topic = redis.call('HGET', KEYS[4], 'topic')
if topic then redis.call('ZREM', ARGV[3] .. topic, ARGV[2]) end
redis.call('DEL', KEYS[4])
redis.call('ZREM', KEYS[5], ARGV[2])
redis.call('ZREM', KEYS[6], ARGV[2])
redis.call('HDEL', KEYS[1], 'result', 'lastError', 'cancellationData', 'waitTopic', 'resumeAt',
  'ownerId', 'leaseExpiresAt')
redis.call('HSET', KEYS[1], 'status', 'suspended', 'cursor', tostring(count),
  'suspensionData', ARGV[5], 'updatedAt', ARGV[4])
return 1
