-- set_status: writes a batch of task statuses (see lib/status_write). Times are the server clock.
--
-- KEYS[1] index sorted set   KEYS[2] watcher sorted set (task id -> expiry ms)
-- KEYS: then two per status: status key, update stream
-- ARGV[1] index retention ms   ARGV[2] "1" to prune the index now
-- ARGV: then six per status: task id, status JSON (without createdAt/updatedAt), ttl ms,
--       pub/sub channel, "1" when the state is terminal, "1" to write only if no record exists
--
-- Returns { createdAt, updatedAt } per status, flattened; { 0, 0 } for a skipped create.
--#include now
--#include status_write

return write_statuses(server_now(), KEYS[1], KEYS[2], 3, 3, (#KEYS - 2) / 2, ARGV[1], ARGV[2])
