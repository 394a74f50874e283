-- wf_create: creates a running workflow run unless the id exists.
--
-- KEYS[1] run hash, KEYS[2] runs index (zset by creation order), KEYS[3] sequence counter
-- ARGV[1] id, ARGV[2] workflow, ARGV[3] params JSON, ARGV[4] cancellation policy JSON or '',
-- ARGV[5] now (ms)
--
-- Returns 1 when created, 0 when the id exists.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local seq = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], 'workflow', ARGV[2], 'status', 'running', 'cursor', '0',
  'params', ARGV[3], 'createdAt', ARGV[5], 'updatedAt', ARGV[5], 'seq', tostring(seq))
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'cancellationPolicy', ARGV[4]) end
redis.call('ZADD', KEYS[2], seq, ARGV[1])
return 1
