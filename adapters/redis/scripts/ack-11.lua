-- ack: settles a batch of deliveries of one queue as done. For each whose receipt is still
-- current, drops its lease, then acknowledges and deletes the stream entry. A stale receipt
-- (lease lost) changes nothing.
--
-- KEYS[1] lease sorted set   KEYS[2..11] band streams p0..p9
-- ARGV[1] consumer group; then three per delivery: band, entry id, delivery count
--
-- Returns 1 (settled) or 0 (stale) per delivery.
--#include owner
--#include ack

return ack_deliveries(KEYS[1], 2, ARGV[1], 2, (#ARGV - 1) / 3)
