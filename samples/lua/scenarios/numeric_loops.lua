-- numeric_loops.lua — NumericLoops, the suite's baseline: integer and float arithmetic in
-- tight loops. Numbers are values in Lua (no boxes), so the arithmetic allocates nothing;
-- each op keeps its two results in one new two-slot table, which is all it allocates:
-- luaH_new and the array part of the constructor {acc, x}, 2 allocations per op (plus
-- whatever the collector's own work adds, one sentinel per cycle under allocprof).
-- Usage: lua5.4 numeric_loops.lua [OPS]   (default 8000)
local results = {}

local function op(i)
  local acc, x = 0, 0.5
  for k = 1, 64 do
    acc = acc + (k * i) % 97 - (k // 3)   -- integer: *, %, //
    x = x * 1.0001 + k / 7.0              -- float: *, /, +
    if acc > 1000000 then acc = acc - 1000000 end
  end
  local r = { acc, x }                    -- the op's one table
  results[i % 16 + 1] = r                 -- kept a little while, then garbage
  return acc + math.floor(x)
end

local here = arg and arg[0] and arg[0]:match("^(.*/)") or ""
dofile(here .. "harness.lua")("NumericLoops", op, 8000)
