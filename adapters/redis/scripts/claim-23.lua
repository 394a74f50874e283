-- claim: leases up to ARGV[3] messages of one queue to one consumer. First moves due delayed
-- messages to their band's due stream, then takes back entries whose lease ran out (XCLAIM,
-- which bumps the delivery count), then reads new entries from the highest priority band down
-- (XREADGROUP): in each band its due stream first, then its own stream, so a message whose time
-- has come never waits behind its band's backlog. Consumer groups are created on first use.
-- Every delivered entry gets a lease in KEYS[2]. A new entry's delivery count is 1 plus its "d"
-- field (the deliveries before a nack requeued it).
--
-- A due stream is read only when it holds unread entries: those this claim moved, plus those
-- earlier claims had no room for, which KEYS[3] counts per band (a field exists only while its
-- count is above 0, so the hash is gone when no due stream holds anything unread).
--
-- KEYS[1]  delayed sorted set   KEYS[2] lease sorted set (member "band|id|count", band "d<b>"
--          for band b's due stream, score = lease deadline ms, +inf = none)
-- KEYS[3]  due-unread hash (band -> unread entries of its due stream)
-- KEYS[4..13] band streams p0..p9   KEYS[14..23] due streams p0d..p9d
-- ARGV[1] consumer group   ARGV[2] consumer name   ARGV[3] max messages
-- ARGV[4] default lease ms (used when an entry has no "t" field)
-- ARGV[5] "1" to return each band's newest id when fewer than ARGV[3] were found
--
-- Returns { next_due_ms (-1: nothing scheduled), newest_ids (10 ids or empty),
--           band token, id, delivery_count, lease_ms, fields, band token, id, ... }
--#include now
--#include fields
--#include chunked
--#include promote
--#include owner
--#include delivery_stream

local now = server_now()
local group, consumer = ARGV[1], ARGV[2]
local want = tonumber(ARGV[3])
local default_lease = tonumber(ARGV[4])
local unread_key = KEYS[3]
local out = { -1, {} }
-- every lease of this claim goes into one variadic ZADD at the end
local leases = {}

local function band_key(b) return KEYS[4 + b] end
local function due_key(b) return KEYS[14 + b] end

local function lease_of(fields)
  return tonumber(field(fields, 't') or '') or default_lease
end

local function hand_out(band, id, count, fields)
  local lease = lease_of(fields)
  local deadline = lease > 0 and now + lease or '+inf'
  leases[#leases + 1] = deadline
  leases[#leases + 1] = lease_member(band, id, count)
  local n = #out
  out[n + 1] = band
  out[n + 2] = id
  out[n + 3] = count
  out[n + 4] = lease
  out[n + 5] = fields
  want = want - 1
end

-- New entries of `key`, at most `count`; creates the group when the stream has none yet (none
-- when there is no stream either).
local function read_new(key, count)
  local args = { 'XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'STREAMS', key, '>' }
  local read = redis.pcall(unpack(args))
  if type(read) == 'table' and read.err then
    local created = redis.pcall('XGROUP', 'CREATE', key, group, '0')
    if type(created) == 'table' and created.err then return {} end
    read = redis.call(unpack(args))
  end
  return read and read[1][2] or {}
end

local moved = promote(now, KEYS[1], due_key, 1000)

if want > 0 then
  local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, want)
  for _, member in ipairs(expired) do
    redis.call('ZREM', KEYS[2], member)
    local band, id, count = string.match(member, '^(d?%d)|([^|]+)|(%d+)$')
    if band then
      local key = delivery_stream(band, 4)
      local claimed = redis.pcall('XCLAIM', key, group, consumer, 0, id)
      local entry = type(claimed) == 'table' and not claimed.err and claimed[1] or nil
      if entry then
        hand_out(band, id, tonumber(count) + 1, entry[2])
      else
        redis.pcall('XACK', key, group, id)
      end
    end
  end
end

-- One EXISTS over the due-unread hash and bands 1..9 first: a queue without priorities or
-- leftover due messages skips ten checks per claim.
local check = { unread_key }
for b = 1, 9 do check[b + 1] = band_key(b) end
local higher_left = want > 0 and redis.call('EXISTS', unpack(check)) or 0
local left = {}
if higher_left > 0 then
  local h = redis.call('HGETALL', unread_key)
  if #h > 0 then higher_left = higher_left - 1 end
  for i = 1, #h, 2 do left[tonumber(h[i])] = tonumber(h[i + 1]) end
end
-- What this claim read from each due stream, and which it found empty (the count was off).
local taken, drained = {}, {}

for band = 9, 0, -1 do
  if want <= 0 then break end
  local unread = (left[band] or 0) + (moved[band] or 0)
  if unread > 0 then
    local ask = math.min(want, unread)
    local entries = read_new(due_key(band), ask)
    for _, entry in ipairs(entries) do
      hand_out('d' .. band, entry[1], 1 + (tonumber(field(entry[2], 'd') or '') or 0), entry[2])
    end
    taken[band] = #entries
    if #entries < ask then drained[band] = true end
  end
  local key = band_key(band)
  local exists = false
  if want > 0 and (band == 0 or higher_left > 0) then exists = redis.call('EXISTS', key) == 1 end
  if exists and band > 0 then higher_left = higher_left - 1 end
  if exists then
    for _, entry in ipairs(read_new(key, want)) do
      hand_out(band, entry[1], 1 + (tonumber(field(entry[2], 'd') or '') or 0), entry[2])
    end
  end
end

-- The hash changes only when a claim leaves due entries unread or reads earlier leftovers.
for band = 0, 9 do
  if drained[band] then
    if left[band] then redis.call('HDEL', unread_key, band) end
  else
    local delta = (moved[band] or 0) - (taken[band] or 0)
    if delta ~= 0 and redis.call('HINCRBY', unread_key, band, delta) <= 0 then
      redis.call('HDEL', unread_key, band)
    end
  end
end
call_chunked('ZADD', KEYS[2], leases)

local next_due = -1
local d = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if d[2] then next_due = math.max(0, tonumber(d[2]) - now) end
local l = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local lease_due = l[2] and tonumber(l[2])
if lease_due and lease_due < 1e15 then
  local due = math.max(0, lease_due - now)
  if next_due < 0 or due < next_due then next_due = due end
end
out[1] = next_due

if ARGV[5] == '1' and want > 0 then
  local newest = {}
  for band = 0, 9 do
    local r = redis.call('XREVRANGE', band_key(band), '+', '-', 'COUNT', 1)
    newest[band + 1] = r[1] and r[1][1] or '0-0'
  end
  out[2] = newest
end
return out
