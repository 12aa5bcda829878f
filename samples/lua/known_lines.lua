-- known_lines.lua — allocations at known script lines, for the script-frame tests.
-- With the collector stopped, each tagged line allocates exactly what its comment says
-- per iteration (Lua 5.4): an empty table constructor is one block (the Table); a closure
-- that captures a fresh loop variable is two (the closure and its upvalue).
-- Arguments: tables closures (default 1000 500). Prints one line; exit 0.
local ap_ok, ap = pcall(require, "allocprof")
if not ap_ok then ap = { ops = function() end } end

local tables = tonumber(arg and arg[1]) or 1000
local closures = tonumber(arg and arg[2]) or 500

local function make_tables(n)
  local last
  for _ = 1, n do
    last = {}  -- @alloc tables: 1 per iteration
  end
  return last
end

local function make_closures(n)
  local f
  for i = 1, n do
    f = function() return i end  -- @alloc closures: 2 per iteration
  end
  return f
end

collectgarbage("stop")
make_tables(tables)
make_closures(closures)
ap.ops(tables + closures)
collectgarbage("restart")
print("made", tables, closures)
