-- ack: settles a batch of deliveries of one queue as done. For each whose receipt is still
-- current, drops its lease, then acknowledges and deletes the stream entry. A stale receipt
-- (lease lost) changes nothing.
--
-- KEYS[1] lease sorted set   KEYS[2..11] band streams p0..p9   KEYS[12..21] due streams p0d..p9d
-- ARGV[1] consumer group; then three per delivery: band token ("5", or "d5" from band 5's due
--         stream), entry id, delivery count
--
-- Returns 1 (settled) or 0 (stale) per delivery.
--#include owner
--#include delivery_stream
--#include ack

return ack_deliveries(KEYS[1], 2, ARGV[1], 2, (#ARGV - 1) / 3)
