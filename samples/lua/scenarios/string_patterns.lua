-- string_patterns.lua — StringPatterns: Lua's pattern functions on a short log text.
-- Per op: string.find with captures, string.gsub with a string, a table and a function as
-- the replacement, string.gmatch over the words (a closure and its matcher state per
-- call), and string.format building new strings. What allocates: every new string (short
-- ones interned, long ones not), gsub's buffers, gmatch's iterator.
-- Usage: lua5.4 string_patterns.lua [OPS]   (default 500)
local find, gsub, gmatch, format = string.find, string.gsub, string.gmatch, string.format

local TEXT
local LEVELS = { INFO = "i", WARN = "w", ERROR = "e" }

local function setup()
  local lines = {}
  for k = 1, 12 do
    local level = (k % 5 == 0) and "ERROR" or ((k % 3 == 0) and "WARN" or "INFO")
    lines[k] = format("%s id=%d user=u%03d took %dms", level, k, k * 7 % 100, k * 13 % 250)
  end
  TEXT = table.concat(lines, "\n")
end

local function op(i)
  local total = 0
  local s, e, id = find(TEXT, "id=(%d+) user=u0" .. (i % 10))
  if s then total = total + e + tonumber(id) end
  local masked = gsub(TEXT, "user=u%d+", "user=***")
  local short = gsub(TEXT, "%u+", LEVELS)
  local scaled = gsub(TEXT, "(%d+)ms", function(ms) return format("%.1fs", ms * (i % 7 + 1) / 1000) end)
  for word in gmatch(short, "%a+=%w+") do total = total + #word end
  local line = format("op %d: %d/%d/%d chars, %q", i, #masked, #short, #scaled, "done")
  return total + #line
end

local here = arg and arg[0] and arg[0]:match("^(.*/)") or ""
dofile(here .. "harness.lua")("StringPatterns", op, 500, setup)
