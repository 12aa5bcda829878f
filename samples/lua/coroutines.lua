-- coroutines.lua — a producer coroutine and a consumer, each allocating at a known line,
-- for the script-frame tests: the producer's frames must sit on the consumer that resumed
-- it, and neither stack may be disturbed by the switches. The collector is stopped so
-- that the tagged lines allocate exactly once per item.
-- Argument: items (default 300). Prints one line; exit 0.
local items = tonumber(arg and arg[1]) or 300

local function producer()
  for i = 1, items do
    local item = {}  -- @alloc producer: 1 per item
    item[1] = i      -- (array part: one more block, at this line)
    coroutine.yield(item)
  end
end

local function consumer(co)
  local sum, kept = 0, nil
  while true do
    local ok, item = coroutine.resume(co)
    if not ok or item == nil then break end
    kept = {}  -- @alloc consumer: 1 per item
    sum = sum + item[1]
  end
  return sum, kept
end

local function wrapped_consumer()
  local gen = coroutine.wrap(producer)
  local n = 0
  for _ = 1, items do
    local item = gen()
    n = n + item[1]
  end
  return n
end

collectgarbage("stop")
local sum = consumer(coroutine.create(producer))
local again = wrapped_consumer()
collectgarbage("restart")
print("sum", sum, again)
