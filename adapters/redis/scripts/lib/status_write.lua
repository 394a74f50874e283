-- Writes `n` task statuses: status i (from 0) has its key and update stream at
-- KEYS[key_at + 2i], KEYS[key_at + 2i + 1] and six ARGV from arg_at + 6i (task id, status JSON
-- without createdAt/updatedAt, ttl ms, pub/sub channel, "1" when terminal, "1" to write only if
-- no record exists). Each is stored as "createdAt|updatedAt|json" (createdAt kept from the
-- previous record). The index is updated on a task's first write and on terminal writes, so it
-- orders by creation until a task finishes, then by finish. While a task is in the watcher set,
-- its update is also published and appended to its update stream (read by HTTP watchers); with
-- no watchers at all that costs one ZCARD per batch. `prune` "1" trims the index to `retention`.
-- Returns { createdAt, updatedAt } per status, flattened; { 0, 0 } for a skipped create.
local function write_statuses(now, index_key, watchers, key_at, arg_at, n, retention, prune)
  local watched = redis.call('ZCARD', watchers) > 0
  if watched then
    redis.call('ZREMRANGEBYSCORE', watchers, '-inf', now)
  end
  local out = {}
  if n == 0 then return out end
  -- One MGET for the previous records and one ZADD for the index per batch, not per status.
  local status_keys = {}
  for i = 1, n do status_keys[i] = KEYS[key_at + (i - 1) * 2] end
  local olds = redis.call('MGET', unpack(status_keys))
  local written = {}
  local index = {}
  for i = 0, n - 1 do
    local key, events = KEYS[key_at + i * 2], KEYS[key_at + 1 + i * 2]
    local a = arg_at + i * 6
    local id, body, ttl, channel, terminal = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4]
    local created = now
    -- a key written earlier in this batch counts as existing
    local old = written[key] or olds[i + 1]
    if old and ARGV[a + 5] == '1' then
      -- create-if-absent and a record exists: leave it alone (Lua 5.1 has no goto)
      out[#out + 1] = 0
      out[#out + 1] = 0
    else
      if old then created = tonumber(string.match(old, '^(%d+)|')) or now end
      local value = string.format('%.0f|%.0f|', created, now) .. body
      redis.call('SET', key, value, 'PX', ttl)
      written[key] = value
      if not old or terminal == '1' then
        index[#index + 1] = now
        index[#index + 1] = id
      end
      if watched then
        local expiry = redis.call('ZSCORE', watchers, id)
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
  if #index > 0 then redis.call('ZADD', index_key, unpack(index)) end
  if prune == '1' then
    redis.call('ZREMRANGEBYSCORE', index_key, '-inf', now - tonumber(retention))
  end
  return out
end
