-- coroutine_pipeline.lua — CoroutinePipeline: per op, a fresh three-stage pipeline of
-- coroutines, producer -> filter -> consumer. The producer yields one record table per
-- item ({id, name = "item<n>", tags = {...}}), the filter drops every third and passes the
-- others on with a new label string, the consumer joins the labels into one string. What
-- allocates: the coroutines (a lua_State, its stack and CallInfos each, and the
-- coroutine.wrap closures), the record tables, the interned and concatenated strings.
-- Usage: lua5.4 coroutine_pipeline.lua [OPS]   (default 600)
local wrap, yield = coroutine.wrap, coroutine.yield
local concat = table.concat

local ITEMS = 12

local function producer(first)
  return wrap(function()
    for n = first, first + ITEMS - 1 do
      yield({ id = n, name = "item" .. n, tags = { n % 3, n % 5 } })
    end
  end)
end

local function filter(source)
  return wrap(function()
    for record in source do
      if record.id % 3 ~= 0 then
        yield(record.name .. "/" .. record.tags[1] + record.tags[2])
      end
    end
  end)
end

local function consumer(source)
  local parts = {}
  for label in source do parts[#parts + 1] = label end
  return concat(parts, ",")
end

local function op(i)
  local line = consumer(filter(producer(i % 1000)))
  return #line
end

local here = arg and arg[0] and arg[0]:match("^(.*/)") or ""
dofile(here .. "harness.lua")("CoroutinePipeline", op, 600)
