-- tables.lua — a longer Lua workload for recording (not for valgrind): builds and drops
-- many tables and strings, the typical allocation churn of an interpreter.
-- Argument: n (default 200000). Prints the final count; exit 0.
local n = tonumber(arg and arg[1]) or 200000
local live = {}
local total = 0
for i = 1, n do
  local row = { id = i, name = "row" .. i, tags = { i % 3, i % 5 } }
  live[i % 1000] = row
  total = total + #row.name
end
print("total", total)
