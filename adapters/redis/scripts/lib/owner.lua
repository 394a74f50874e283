-- A delivery's lease member is "band|id|count": count is the entry's delivery count when it was
-- handed out, and a redelivery bumps it, so an older receipt no longer names a live lease.
local function lease_member(band, id, count)
  return band .. '|' .. id .. '|' .. count
end

-- Acknowledges and deletes a settled stream entry (its lease is already removed).
local function drop_entry(stream, group, id)
  redis.call('XACK', stream, group, id)
  redis.call('XDEL', stream, id)
end
