-- harness.lua — what every scenario of the Lua suite (samples/lua/suite.json) shares: the
-- op count from the command line, the allocprof markers, the two phases and the checksum.
--
-- A scenario script ends with
--   dofile(<its folder> .. "harness.lua")("Name", op, default_ops, setup)
-- where op(i) runs operation i (1-based) and returns a number for the checksum, and
-- setup(), when given, builds what the operations share before anything is counted.
-- The run: setup; phase "warmup" (a tenth of the ops, at least 1); a full collection
-- (still in warmup, so the measured phase starts from a clean heap); phase "measure"
-- (the ops given). Every op is counted with ap.ops(1), so the run's op count is
-- ops + warmup ops and the measured phase's is exactly ops. Prints
-- "Name: N ops, checksum C"; exit 0, or 2 for a bad op count.
--
-- Outside `allocprof record` there is no allocprof module: the markers do nothing and
-- the script runs the same.
local ok, ap = pcall(require, "allocprof")
if not ok then
  ap = { ops = function() end, phase = function() end, phase_end = function() end, tracing = false }
end

return function(name, op, default_ops, setup)
  local ops = default_ops
  if arg and arg[1] then
    ops = math.tointeger(tonumber(arg[1]))
    if not ops or ops < 1 then
      io.stderr:write(name, ": the op count must be a positive integer, not ", tostring(arg[1]), "\n")
      os.exit(2)
    end
  end
  local warmup = math.max(1, ops // 10)
  if setup then setup() end
  local checksum = 0
  ap.phase("warmup")
  for i = 1, warmup do
    checksum = checksum + op(i)
    ap.ops(1)
  end
  collectgarbage("collect")
  ap.phase_end()
  ap.phase("measure")
  for i = 1, ops do
    checksum = checksum + op(i)
    ap.ops(1)
  end
  ap.phase_end()
  print(string.format("%s: %d ops, checksum %s", name, ops, tostring(checksum)))
end
