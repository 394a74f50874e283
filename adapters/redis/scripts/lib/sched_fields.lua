-- An entry's stored fields in the order RedisScheduleStore reads them: input, version, next,
-- last run, run count, last error, last error at, drift (false where unset).
local function sched_fields(hash, id)
  return redis.call('HMGET', hash, 'i:' .. id, 'v:' .. id, 'n:' .. id, 'r:' .. id, 't:' .. id,
    'e:' .. id, 'ea:' .. id, 'd:' .. id)
end

-- Keeps the due index in step with an entry: enabled with a next fire → scored by it.
local function sched_index(hash, due, id)
  local nxt = redis.call('HGET', hash, 'n:' .. id)
  if nxt and nxt ~= '' and redis.call('HGET', hash, 'on:' .. id) == '1' then
    redis.call('ZADD', due, nxt, id)
  else
    redis.call('ZREM', due, id)
  end
end
