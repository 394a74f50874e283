-- set_status: writes a batch of task statuses. Each is stored as "createdAt|updatedAt|json"
-- (createdAt kept from the previous record) and indexed by update time. While a watcher's marker
-- exists (any process watching the task), it is also published and appended to the task's
-- update stream (read by HTTP watchers). Times are the server clock.
--
-- KEYS[1] index sorted set, then three per status: status key, watch marker, update stream
-- ARGV[1] index retention ms   ARGV[2] "1" to prune the index now
-- ARGV: then four per status: task id, status JSON (without createdAt/updatedAt), ttl ms,
--       pub/sub channel
--
-- Returns { createdAt, updatedAt } per status, flattened.
--#include now

local now = server_now()
local out = {}
for i = 0, (#KEYS - 1) / 3 - 1 do
  local key, marker, events = KEYS[2 + i * 3], KEYS[3 + i * 3], KEYS[4 + i * 3]
  local id, body, ttl, channel = ARGV[3 + i * 4], ARGV[4 + i * 4], ARGV[5 + i * 4], ARGV[6 + i * 4]
  local created = now
  local old = redis.call('GET', key)
  if old then created = tonumber(string.match(old, '^(%d+)|')) or now end
  local value = string.format('%.0f|%.0f|', created, now) .. body
  redis.call('SET', key, value, 'PX', ttl)
  redis.call('ZADD', KEYS[1], now, id)
  local marker_ttl = redis.call('PTTL', marker)
  if marker_ttl > 0 then
    redis.call('XADD', events, 'MAXLEN', '~', 100, '*', 'v', value)
    redis.call('PEXPIRE', events, marker_ttl)
    redis.call('PUBLISH', channel, value)
  end
  out[#out + 1] = created
  out[#out + 1] = now
end
if ARGV[2] == '1' then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
end
return out
