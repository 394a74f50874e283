-- replay: moves chosen dead letters back onto the queue (delayed when their notBefore is in the
-- future). An entry already gone (replayed or purged concurrently) is skipped.
--
-- KEYS[1] dead-letter stream   KEYS[2] dead-letter index hash   KEYS[3] delayed sorted set
-- KEYS[4..13] band streams p0..p9
-- ARGV: seven per entry: dead-letter stream id, envelope id, band, lease ms, notBefore ms,
--       token, payload
--
-- Returns the dead-letter stream ids that were replayed.
--#include now
--#include enqueue

local now = server_now()
local done = {}
for i = 1, #ARGV, 7 do
  local sid, id, band = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  if redis.call('XDEL', KEYS[1], sid) == 1 then
    if redis.call('HGET', KEYS[2], id) == sid then redis.call('HDEL', KEYS[2], id) end
    enqueue(now, KEYS[3], KEYS[4 + band], band, ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6])
    done[#done + 1] = sid
  end
end
return done
