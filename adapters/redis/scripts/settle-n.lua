-- settle: writes each delivery's final status, then acks the deliveries, in one call: the status
-- is stored before its message is gone, and a worker settles a batch in one round trip. A stale
-- receipt (lease lost) acks nothing; its status is written as a separate write would have been.
--
-- KEYS[1] lease sorted set   KEYS[2..11] band streams p0..p9   KEYS[12..21] due streams p0d..p9d
-- KEYS[22] status index sorted set   KEYS[23] status watcher sorted set
-- KEYS: then two per delivery: status key, update stream
-- ARGV[1] consumer group   ARGV[2] index retention ms   ARGV[3] "1" to prune the index now
-- ARGV[4] number of deliveries n; then three per delivery (band token as in ack, entry id,
--         delivery count); then six per status as in lib/status_write
--
-- Returns { settled (1 or 0), createdAt, updatedAt } per delivery, flattened.
--#include now
--#include owner
--#include delivery_stream
--#include ack
--#include status_write

local n = tonumber(ARGV[4])
local times = write_statuses(server_now(), KEYS[22], KEYS[23], 24, 5 + n * 3, n, ARGV[2], ARGV[3])
local acked = ack_deliveries(KEYS[1], 2, ARGV[1], 5, n)
local out = {}
for j = 1, n do
  out[#out + 1] = acked[j]
  out[#out + 1] = times[2 * j - 1]
  out[#out + 1] = times[2 * j]
end
return out
