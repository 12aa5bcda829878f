-- churn.lua — a small, deterministic Lua workload: table and string churn, closures,
-- a growing array and a string builder. Small on purpose: the test runs it under
-- valgrind too (lua5.4's allocator is realloc/free with no realloc(p, 0), so valgrind's
-- and allocprof's counts must agree exactly).
-- Argument: rounds (default 200). Prints one checksum line; exit 0.

local rounds = tonumber(arg and arg[1]) or 200

local function make_counter(start)
  local n = start
  return function() n = n + 1; return n end
end

local checksum = 0
local keep = {}
for r = 1, rounds do
  -- a short-lived table with string keys
  local t = {}
  for i = 1, 20 do
    t["key" .. (i % 7)] = i * r
  end
  -- a growing array (rehash / reallocation chain)
  local arr = {}
  for i = 1, 50 do arr[#arr + 1] = i end
  -- string building
  local parts = {}
  for i = 1, 10 do parts[i] = tostring(i + r) end
  local s = table.concat(parts, ",")
  -- a closure that survives a few rounds
  local c = make_counter(r)
  keep[r % 10] = c
  checksum = checksum + #s + #arr + c() + (t.key3 or 0)
end

print("checksum", checksum)
