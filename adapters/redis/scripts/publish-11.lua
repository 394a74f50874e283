-- publish: adds a batch of messages to one queue; each goes to the delayed set when its
-- notBefore is later than the server's clock, otherwise to its band's stream.
--
-- KEYS[1]  delayed sorted set
-- KEYS[2..11] band streams p0..p9
-- ARGV: five per message: band, lease ms ('' = default), notBefore ms ('' = now), token, payload
--
-- Returns the number of messages added.
--#include now
--#include enqueue

local now = server_now()
local n = 0
for i = 1, #ARGV, 5 do
  local band = tonumber(ARGV[i])
  enqueue(now, KEYS[1], KEYS[2 + band], band, ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4])
  n = n + 1
end
return n
