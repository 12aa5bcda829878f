-- thread_counts.lua — the calling thread's counts from Lua (ap.allocations(), ap.bytes()):
-- a loop that allocates nothing counts 0; a loop that makes ten empty tables (one
-- allocation of a Table each; the array they go into is made before it) counts 10, inside
-- the phase "ten", which holds nothing else. The collector is stopped so that it cannot
-- resize anything in between. A reading allocates nothing (it pushes an integer).
-- Prints idle=, ten=, ten_bytes=. Needs allocprof (require "allocprof").
local ap = require "allocprof"
collectgarbage("stop")

local t = { false, false, false, false, false, false, false, false, false, false }
local a = ap.allocations()
local i = 0
while i < 100 do i = i + 1 end
local b = ap.allocations()

ap.phase("ten")
local c, cb = ap.allocations(), ap.bytes()
for k = 1, 10 do t[k] = {} end
local d, db = ap.allocations(), ap.bytes()
ap.phase_end()

print("idle=" .. (b - a))
print("ten=" .. (d - c))
print("ten_bytes=" .. (db - cb))
