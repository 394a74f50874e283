-- nack: settles a delivery as not done, atomically: drops it, requeues the same entry, or
-- requeues a replacement payload (a retry), delayed when its notBefore is in the future.
-- A requeued entry keeps its delivery count in field "d", so its next delivery counts on.
-- A stale receipt changes nothing.
--
-- A requeued entry goes to the end of its band's stream (KEYS[4]), also when it was handed out
-- from the band's due stream (only a claim adds to a due stream: it counts their unread entries).
--
-- KEYS[1] stream of the delivery (its band's, or its due stream)   KEYS[2] lease sorted set
-- KEYS[3] delayed sorted set
-- KEYS[4] band stream of the replacement, or of the delivery when there is none
-- ARGV[1] consumer group   ARGV[2] entry id   ARGV[3] delivery count   ARGV[4] band token
-- ARGV[5] mode: "drop" | "requeue" | "replace"
-- ARGV[6] replacement band   ARGV[7] replacement lease ms ('' = default)
-- ARGV[8] replacement notBefore ms ('' = now)   ARGV[9] token   ARGV[10] replacement payload
--
-- Returns 1 when settled, 0 when the receipt was stale.
--#include now
--#include owner
--#include enqueue

if redis.call('ZREM', KEYS[2], lease_member(ARGV[4], ARGV[2], ARGV[3])) == 0 then return 0 end
local mode = ARGV[5]
if mode == 'requeue' then
  local entry = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
  if entry[1] then
    local fields, kept = entry[1][2], {}
    for i = 1, #fields, 2 do
      if fields[i] ~= 'd' then
        kept[#kept + 1] = fields[i]
        kept[#kept + 1] = fields[i + 1]
      end
    end
    kept[#kept + 1] = 'd'
    kept[#kept + 1] = ARGV[3]
    redis.call('XADD', KEYS[4], '*', unpack(kept))
  end
end
drop_entry(KEYS[1], ARGV[1], ARGV[2])
if mode == 'replace' then
  enqueue(server_now(), KEYS[3], KEYS[4], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10])
end
return 1
