-- Lua 5.4 table and string churn for bench/run.sh: about 10 M allocations (lua5.4's allocator
-- calls realloc/free for every table, array/hash part, string and closure).
--
-- Each round builds short-lived records (a table with a growing array part and a hash part,
-- so the parts are resized several times), creates new strings by concatenation and
-- string.format (short strings are interned: each new one is an allocation), keeps a bounded
-- window of recent records alive (so the collector has real work), and builds one longer
-- string with table.concat. Deterministic: no time, no randomness, no address-dependent order.
--
-- Usage: lua5.4 churn.lua [SCALE]   (SCALE defaults to 1.0)
-- If BENCH_RSS_FILE is set, the script writes its own peak RSS (VmHWM, kB) there at the end.

local scale = tonumber(arg and arg[1]) or 1.0
local rounds = math.floor(430000 * scale)

local window = {}          -- recent records kept alive: a ring of 512 slots
local window_size = 512
local checksum = 0

local function make_record(i)
  local r = { id = i, name = "rec:" .. i, tags = {} }   -- table, hash part, string, table
  for k = 1, 1 + i % 9 do                               -- array part grows: 1, 2, 4, 8, 16
    r.tags[k] = k * i
  end
  return r
end

local function render(r)
  local parts = {}
  for k = 1, #r.tags do
    parts[#parts + 1] = string.format("%d=%d", k, r.tags[k])
  end
  return r.name .. "{" .. table.concat(parts, ",") .. "}"
end

for i = 1, rounds do
  local r = make_record(i)
  local s = render(r)
  checksum = checksum + #s
  local slot = i % window_size + 1
  window[slot] = { record = r, text = s }
  if i % 7 == 0 then
    -- a small map keyed by computed strings, dropped at once
    local m = {}
    for k = 1, 6 do m["k" .. (i + k)] = k end
    checksum = checksum + m["k" .. (i + 1)]
  end
end

print(string.format("churn.lua: %d rounds, checksum %d", rounds, checksum))

local rss_file = os.getenv("BENCH_RSS_FILE")
if rss_file and rss_file ~= "" then
  local status = io.open("/proc/self/status", "r")
  if status then
    local hwm = status:read("a"):match("VmHWM:%s*(%d+)")
    status:close()
    local out = io.open(rss_file, "w")
    if out then out:write(hwm or "-1", "\n"); out:close() end
  end
end
