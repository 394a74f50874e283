-- A delivery's lease member is "band|id|count" (band "d<b>" for band b's due stream): count is
-- the entry's delivery count when it was handed out, and a redelivery bumps it, so an older
-- receipt no longer names a live lease.
local function lease_member(band, id, count)
  return band .. '|' .. id .. '|' .. count
end

-- Acknowledges and deletes a settled stream entry (its lease is already removed).
local function drop_entry(stream, group, id)
  redis.call('XACK', stream, group, id)
  redis.call('XDEL', stream, id)
end

-- Acknowledges and deletes settled entries of one stream in one XACK and one XDEL (variadic:
-- each redis.call costs more than the entries it carries).
local function drop_entries(stream, group, ids)
  if #ids == 0 then return end
  redis.call('XACK', stream, group, unpack(ids))
  redis.call('XDEL', stream, unpack(ids))
end
