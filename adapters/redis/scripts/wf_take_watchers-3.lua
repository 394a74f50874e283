-- wf_take_watchers: resolves up to ARGV[2] watchers of one topic atomically: each watcher is
-- removed, its run flips to running with the resume data (watcher data + the event fields) as
-- its suspension data. Run keys are derived from ARGV[1] (one run per watcher, unknown upfront).
--
-- KEYS[1] topic zset, KEYS[2] all-watchers zset, KEYS[3] due zset
-- ARGV[1] key prefix ('<ns>:wf:'), ARGV[2] limit, ARGV[3] JSON members to add (no braces:
-- '"type":"event","topic":…,"payload":…,"deliveredAt":…'), ARGV[4] now (ms)
--
-- Returns a flat list: run id, step name, resume data JSON, … for every resolved watcher.
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)) do
  local wkey = ARGV[1] .. 'watcher:' .. id
  local step = redis.call('HGET', wkey, 'stepName') or ''
  local data = redis.call('HGET', wkey, 'data') or '{}'
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
  redis.call('DEL', wkey)
  local run = ARGV[1] .. 'run:' .. id
  if redis.call('HGET', run, 'status') == 'suspended' then
    local inner = string.sub(data, 2, -2)
    local sep = ''
    if string.match(inner, '%S') then sep = ',' end
    local merged = '{' .. inner .. sep .. ARGV[3] .. ',"step":' .. cjson.encode(step) .. '}'
    redis.call('HSET', run, 'status', 'running', 'suspensionData', merged, 'updatedAt', ARGV[4])
    redis.call('HDEL', run, 'waitTopic', 'resumeAt')
    table.insert(out, id)
    table.insert(out, step)
    table.insert(out, merged)
  end
end
return out
