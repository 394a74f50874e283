-- Moves up to `limit` delayed messages that fell due, earliest first, to their band's due stream
-- (`due_key(b)`; fields e = payload, t = lease ms when set), with one ZREM for all. A member that
-- does not parse goes to band 0 as-is, to surface as invalid. Needs lib/chunked. Returns how many
-- moved per band ({ [band] = n }).
local function promote(now, delayed_key, due_key, limit)
  local due = redis.call('ZRANGEBYSCORE', delayed_key, '-inf', now, 'LIMIT', 0, limit)
  local moved = {}
  for _, member in ipairs(due) do
    local _, stop, band, lease = string.find(member, '^(%d)|(%d*)|[^|]*|')
    band = stop and tonumber(band) or 0
    if not stop then
      redis.call('XADD', due_key(band), '*', 'e', member)
    elseif lease ~= '' then
      redis.call('XADD', due_key(band), '*', 'e', string.sub(member, stop + 1), 't', lease)
    else
      redis.call('XADD', due_key(band), '*', 'e', string.sub(member, stop + 1))
    end
    moved[band] = (moved[band] or 0) + 1
  end
  call_chunked('ZREM', delayed_key, due)
  return moved
end
