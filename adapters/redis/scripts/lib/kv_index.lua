-- Keeps the kv index in step with the value keys. KEYS[2] is the index (every live key, score
-- 0, read by ZRANGEBYLEX), KEYS[3] the expiry set (keys with a TTL, scored by when they lapse).
local function kv_prune(now)
  local lapsed = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', string.format('%.0f', now),
    'LIMIT', 0, 20)
  if #lapsed > 0 then
    redis.call('ZREM', KEYS[2], unpack(lapsed))
    redis.call('ZREM', KEYS[3], unpack(lapsed))
  end
end

-- Records that `member` now lives until now + ttl (ttl '' = forever).
local function kv_track(member, now, ttl)
  redis.call('ZADD', KEYS[2], 0, member)
  if ttl == '' then
    redis.call('ZREM', KEYS[3], member)
  else
    redis.call('ZADD', KEYS[3], string.format('%.0f', now + tonumber(ttl)), member)
  end
end
