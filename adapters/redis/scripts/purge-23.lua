-- purge: deletes every pending (unread) and delayed message of a queue, in the band streams and
-- the due streams. Leased entries stay until they are settled or their lease runs out.
--
-- KEYS[1] delayed sorted set   KEYS[2] lease sorted set   KEYS[3] due-unread hash
-- KEYS[4..13] band streams p0..p9   KEYS[14..23] due streams p0d..p9d
-- ARGV[1] consumer group
--
-- Returns the number of messages deleted.
local removed = redis.call('ZCARD', KEYS[1])
redis.call('DEL', KEYS[1], KEYS[3])

local function last_delivered(key)
  local groups = redis.pcall('XINFO', 'GROUPS', key)
  if type(groups) ~= 'table' or groups.err then return nil end
  for _, g in ipairs(groups) do
    local name, last = nil, nil
    for i = 1, #g, 2 do
      if g[i] == 'name' then name = g[i + 1] end
      if g[i] == 'last-delivered-id' then last = g[i + 1] end
    end
    if name == ARGV[1] then return last end
  end
  return nil
end

for i = 4, 23 do
  local key = KEYS[i]
  if redis.call('EXISTS', key) == 1 then
    local last = last_delivered(key)
    if not last then
      removed = removed + redis.call('XLEN', key)
      redis.call('DEL', key)
    else
      while true do
        local entries = redis.call('XRANGE', key, '(' .. last, '+', 'COUNT', 500)
        if #entries == 0 then break end
        for _, entry in ipairs(entries) do redis.call('XDEL', key, entry[1]) end
        removed = removed + #entries
        last = entries[#entries][1]
      end
    end
  end
end
return removed
