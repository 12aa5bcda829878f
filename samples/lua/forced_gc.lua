-- forced_gc.lua — a known number of garbage collections per op, for the GC-count tests:
-- every op allocates a little and then forces a full collection, in the collector mode
-- given (incremental or generational). Marks a "measure" phase and counts its ops.
-- Arguments: ops mode collections-per-op (default 200 incremental 1). Exit 0.
local ap = require "allocprof"

local ops = tonumber(arg and arg[1]) or 200
local mode = arg and arg[2] or "incremental"
local per_op = tonumber(arg and arg[3]) or 1

collectgarbage(mode)
local keep = {}
ap.phase("measure")
for i = 1, ops do
  keep[i % 10 + 1] = { i }
  for _ = 1, per_op do collectgarbage("collect") end
  ap.ops(1)
end
ap.phase_end()
print("collected", ops * per_op, mode)
