-- publish_status: records each message's `queued` status (only where no record exists), then adds
-- the messages to one queue as `publish` does, in one call: a producer enqueues a batch in one
-- round trip when the broker and the status store share a transport, and the status exists
-- before any worker can claim the message.
--
-- KEYS[1] delayed sorted set   KEYS[2..11] band streams p0..p9
-- KEYS[12] status index sorted set   KEYS[13] status watcher sorted set
-- KEYS: then two per message: status key, update stream
-- ARGV[1] index retention ms   ARGV[2] "1" to prune the index now   ARGV[3] number of messages n
-- ARGV: then five per message as in `publish`, then six per status as in lib/status_write
--
-- Returns { createdAt, updatedAt } per message, flattened; { 0, 0 } where a record existed.
--#include now
--#include enqueue
--#include status_write

local now = server_now()
local n = tonumber(ARGV[3])
local times = write_statuses(now, KEYS[12], KEYS[13], 14, 4 + n * 5, n, ARGV[1], ARGV[2])
for i = 4, 3 + n * 5, 5 do
  local band = tonumber(ARGV[i])
  enqueue(now, KEYS[1], KEYS[2 + band], band, ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4])
end
return times
