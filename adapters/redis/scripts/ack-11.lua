-- ack: settles a batch of deliveries of one queue as done. For each whose receipt is still
-- current, drops its lease, then acknowledges and deletes the stream entry. A stale receipt
-- (lease lost) changes nothing.
--
-- KEYS[1] lease sorted set   KEYS[2..11] band streams p0..p9
-- ARGV[1] consumer group; then three per delivery: band, entry id, delivery count
--
-- Returns 1 (settled) or 0 (stale) per delivery.
--#include owner

local out = {}
for i = 2, #ARGV, 3 do
  local band, id = ARGV[i], ARGV[i + 1]
  if redis.call('ZREM', KEYS[1], lease_member(band, id, ARGV[i + 2])) == 1 then
    drop_entry(KEYS[2 + tonumber(band)], ARGV[1], id)
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
