-- gcra: one rate-limit acquire (GCRA) on the server's clock: redeem a holder's reserved slot, or
-- take a run, or reserve the next slot for a denied holder. Mirrors src/rate_limit/gcra.ts.
--
-- KEYS[1] state key (the TAT, epoch ms)   KEYS[2] the holder's reservation key ('' role when none)
-- ARGV[1] interval ms   ARGV[2] burst   ARGV[3] period ms   ARGV[4] '1' when a holder asks
-- ARGV[5] '1' to redeem the holder's reservation first   ARGV[6] slack ms (a slot this close is due)
--
-- Returns { allowed (1|0), slot epoch ms as a string } (strings keep the fraction Lua would cut).
--#include now

local now = server_now()
local interval, burst, period = tonumber(ARGV[1]), math.max(1, tonumber(ARGV[2])), tonumber(ARGV[3])
local holder = ARGV[4] == '1'

if holder and ARGV[5] == '1' then
  local slot = tonumber(redis.call('GET', KEYS[2]) or '')
  if slot then
    if slot > now + tonumber(ARGV[6]) then return { 0, string.format('%.3f', slot) } end
    redis.call('DEL', KEYS[2])
    return { 1, string.format('%.3f', now) }
  end
end

local stored = tonumber(redis.call('GET', KEYS[1]) or '')
local tat = math.max(stored or now, now)
local allow_at = tat - (burst - 1) * interval
local allowed, at, next_tat = 0, allow_at, tat
if allow_at <= now then
  allowed, at, next_tat = 1, now, tat + interval
elseif holder then
  next_tat = tat + interval
end
if next_tat ~= stored then
  redis.call('SET', KEYS[1], string.format('%.3f', next_tat), 'PX', math.ceil(next_tat - now + period))
end
if allowed == 0 and holder then
  redis.call('SET', KEYS[2], string.format('%.3f', at), 'PX', math.ceil(at - now + period))
end
return { allowed, string.format('%.3f', at) }
