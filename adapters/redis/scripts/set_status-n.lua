-- set_status: writes a batch of task statuses. Each is stored as "createdAt|updatedAt|json"
-- (createdAt kept from the previous record). The index is updated on a task's first write and
-- on terminal writes (ARGV flag), so it orders by creation until a task finishes, then by
-- finish. While a task is in the watcher set (some process watches it), its update is also
-- published and appended to its update stream (read by HTTP watchers); with no watchers at all
-- that costs one ZCARD per batch. Times are the server clock.
--
-- KEYS[1] index sorted set   KEYS[2] watcher sorted set (task id -> expiry ms)
-- KEYS: then two per status: status key, update stream
-- ARGV[1] index retention ms   ARGV[2] "1" to prune the index now
-- ARGV: then six per status: task id, status JSON (without createdAt/updatedAt), ttl ms,
--       pub/sub channel, "1" when the state is terminal, "1" to write only if no record exists
--
-- Returns { createdAt, updatedAt } per status, flattened; { 0, 0 } for a skipped create.
--#include now

local now = server_now()
local watched = redis.call('ZCARD', KEYS[2]) > 0
if watched then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
end
local out = {}
for i = 0, (#KEYS - 2) / 2 - 1 do
  local key, events = KEYS[3 + i * 2], KEYS[4 + i * 2]
  local a = 3 + i * 6
  local id, body, ttl, channel, terminal = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4]
  local created = now
  local old = redis.call('GET', key)
  if old and ARGV[a + 5] == '1' then
    -- create-if-absent and a record exists: leave it alone (Lua 5.1 has no goto)
    out[#out + 1] = 0
    out[#out + 1] = 0
  else
    if old then created = tonumber(string.match(old, '^(%d+)|')) or now end
    local value = string.format('%.0f|%.0f|', created, now) .. body
    redis.call('SET', key, value, 'PX', ttl)
    if not old or terminal == '1' then redis.call('ZADD', KEYS[1], now, id) end
    if watched then
      local expiry = redis.call('ZSCORE', KEYS[2], id)
      if expiry then
        redis.call('XADD', events, 'MAXLEN', '~', 100, '*', 'v', value)
        redis.call('PEXPIRE', events, math.max(1, tonumber(expiry) - now))
        redis.call('PUBLISH', channel, value)
      end
    end
    out[#out + 1] = created
    out[#out + 1] = now
  end
end
if ARGV[2] == '1' then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
end
return out
