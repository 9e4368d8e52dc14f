"""The Lua scripts of the Redis backend. Each touches exactly the one key it is given
(KEYS[1]), so every step stays atomic on a Redis Cluster too, and runs on hosted Redis
that allows EVAL (Upstash, Vercel's)."""

from __future__ import annotations

__all__ = [
    "ADD_COUNTS",
    "ALLOW_OOM",
    "CAS",
    "DELETE_IF",
    "DELETE_PUBLISH",
    "GET_WITH_TTL",
    "SET_IF_PREFIX",
    "SET_NX_PUBLISH",
    "SET_PUBLISH",
    "STREAM_ACK",
    "STREAM_ADD",
    "STREAM_ENSURE",
    "STREAM_PENDING",
]

# One script, one key: add ARGV[1..n-1] (field, amount pairs) to the hash's fields, set its
# TTL (ARGV[n], ms) in the same command, and return every field with its total.
ADD_COUNTS = """
for i = 1, #ARGV - 1, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[#ARGV])
return redis.call('HGETALL', KEYS[1])
"""

# One script, one key: the value and its milliseconds to live, in one command.
GET_WITH_TTL = """
local value = redis.call('GET', KEYS[1])
if not value then return false end
return {value, redis.call('PTTL', KEYS[1])}
"""

# One script, one key: atomic compare-and-set that also works on Redis Cluster and on
# hosted Redis (Upstash, Vercel) that allow EVAL. ARGV[1] is the expected value, or ""
# with ARGV[3] == "0" for "the key must be absent".
CAS = """
local current = redis.call('GET', KEYS[1])
if ARGV[3] == '0' then
  if current then return 0 end
elseif current ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
return 1
"""

# One script, one key: write only over a value that starts with ARGV[1]; with ARGV[4]
# ('PUBLISH', or 'SPUBLISH' on a cluster, on a channel in the key's slot) and ARGV[5] (the
# channel), publish the value written, in the same command.
SET_IF_PREFIX = """
local current = redis.call('GET', KEYS[1])
if current and string.sub(current, 1, #ARGV[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  if ARGV[4] then redis.call(ARGV[4], ARGV[5], ARGV[2]) end
  return 1
end
return 0
"""

# A write that publishes what it wrote (ARGV[3] 'PUBLISH' or 'SPUBLISH' on the channel
# ARGV[4]): one command, so a listener never hears a value the key does not hold.
SET_PUBLISH = """
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call(ARGV[3], ARGV[4], ARGV[1])
return 1
"""

# A delete that says so: an empty value on the channel ARGV[2] (ARGV[1] 'PUBLISH' or
# 'SPUBLISH') when the key existed.
DELETE_PUBLISH = """
if redis.call('DEL', KEYS[1]) == 1 then
  redis.call(ARGV[1], ARGV[2], '')
  return 1
end
return 0
"""

SET_NX_PUBLISH = """
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then
  redis.call(ARGV[3], ARGV[4], ARGV[1])
  return 1
end
return 0
"""

# Redis >= 7 runs a script declared `allow-oom` even when memory is over maxmemory: the
# one way to record that a job failed because the store is full. Used only for a job's
# last, small write (its failure record), never for data.
ALLOW_OOM = "#!lua flags=allow-oom\n"

DELETE_IF = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# Streams. The consumer group lives inside the stream's key, so each step stays one key.
# Add: create the group if missing (BUSYGROUP otherwise: ignored), add, trim entries older
# than ARGV[3] ms, and reset the TTL (ARGV[2] ms): no stream without one.
STREAM_ADD = """
redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
local now = redis.call('TIME')
local oldest = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[3])
local id = redis.call('XADD', KEYS[1], 'MINID', '~', string.format('%d', oldest), '*',
                      unpack(ARGV, 4))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return id
"""

# A reader found no stream or no group: create them, the stream with its TTL.
STREAM_ENSURE = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0')
return 0
"""

STREAM_ACK = """
local n = redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 2))
redis.call('XDEL', KEYS[1], unpack(ARGV, 2))
return n
"""

# Counts (length, pending, pending per consumer), up to ARGV[3] entries idle >= ARGV[2] ms
# from ARGV[4] on ('-', or '(' and an id: just after it) each with its fields, and how
# many ms the group's first undelivered entry has waited (-1: none).
STREAM_PENDING = """
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0, {}, {}, -1} end
local length = redis.call('XLEN', KEYS[1])
local consumers = redis.pcall('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
if consumers.err then return {length, 0, {}, {}, -1} end
local waited = -1
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local name, last
  for i = 1, #g, 2 do
    if g[i] == 'name' then name = g[i + 1] end
    if g[i] == 'last-delivered-id' then last = g[i + 1] end
  end
  if name == ARGV[1] then
    local first = redis.call('XRANGE', KEYS[1], '(' .. last, '+', 'COUNT', 1)[1]
    if first then
      local now = redis.call('TIME')
      local ms = tonumber(string.match(first[1], '^(%d+)'))
      waited = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - ms
    end
  end
end
local pending, names = 0, {}
for _, c in ipairs(consumers) do
  local name, count
  for i = 1, #c, 2 do
    if c[i] == 'name' then name = c[i + 1] elseif c[i] == 'pending' then count = c[i + 1] end
  end
  pending = pending + count
  table.insert(names, name)
  table.insert(names, count)
end
local idle = {}
if tonumber(ARGV[3]) > 0 and pending > 0 then
  idle = redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', ARGV[2], ARGV[4], '+', ARGV[3])
  for _, entry in ipairs(idle) do
    local found = redis.call('XRANGE', KEYS[1], entry[1], entry[1])
    table.insert(entry, found[1] and found[1][2] or {})
  end
end
return {length, pending, names, idle, waited}
"""
