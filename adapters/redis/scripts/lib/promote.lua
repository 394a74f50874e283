-- Moves up to `limit` due delayed messages into their band streams; `band_key(b)` names the
-- stream of band b. A member that does not parse goes to band 0 as-is, to surface as invalid.
local function promote(now, delayed_key, band_key, limit)
  local due = redis.call('ZRANGEBYSCORE', delayed_key, '-inf', now, 'LIMIT', 0, limit)
  for _, member in ipairs(due) do
    local _, stop, band, lease = string.find(member, '^(%d)|(%d*)|[^|]*|')
    if stop then
      local payload = string.sub(member, stop + 1)
      if lease ~= '' then
        redis.call('XADD', band_key(tonumber(band)), '*', 'e', payload, 't', lease)
      else
        redis.call('XADD', band_key(tonumber(band)), '*', 'e', payload)
      end
    else
      redis.call('XADD', band_key(0), '*', 'e', member)
    end
    redis.call('ZREM', delayed_key, member)
  end
  return #due
end
