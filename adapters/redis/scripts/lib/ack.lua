-- Acks `count` deliveries of one queue whose receipts are ARGV[first..] (three each: band token,
-- entry id, delivery count). A delivery whose lease member is gone (lease lost) is left alone. One
-- ZMSCORE, ZREM, XACK and XDEL per batch (per stream), not per delivery: each redis.call costs
-- ~2 µs on top of its work. Needs lib/owner and lib/delivery_stream (band streams from
-- KEYS[band_base], then due streams). Returns 1 (settled) or 0 (stale) per delivery.
local function ack_deliveries(leases, band_base, group, first, count)
  local out = {}
  if count == 0 then return out end
  local members = {}
  for j = 0, count - 1 do
    local a = first + j * 3
    members[j + 1] = lease_member(ARGV[a], ARGV[a + 1], ARGV[a + 2])
  end
  local scores = redis.call('ZMSCORE', leases, unpack(members))
  local live, seen, by_stream = {}, {}, {}
  for j, member in ipairs(members) do
    if scores[j] and not seen[member] then
      seen[member] = true
      live[#live + 1] = member
      local a = first + (j - 1) * 3
      local stream = delivery_stream(ARGV[a], band_base)
      local ids = by_stream[stream]
      if not ids then
        ids = {}
        by_stream[stream] = ids
      end
      ids[#ids + 1] = ARGV[a + 1]
      out[j] = 1
    else
      out[j] = 0
    end
  end
  if #live > 0 then redis.call('ZREM', leases, unpack(live)) end
  for stream, ids in pairs(by_stream) do drop_entries(stream, group, ids) end
  return out
end
