-- exit5.lua — allocates a little, then ends the interpreter with os.exit(5).
-- `allocprof record` must exit 5 and record exit_status 5.
local t = {}
for i = 1, 1000 do t[i] = string.rep("x", i % 50) end
os.exit(5)
