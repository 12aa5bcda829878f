-- table_mutation.lua — TableMutation: tables grown and shrunk in both their parts. Per op,
-- an array grown one append at a time (the array part doubles: luaH_resize at 1, 2, 4,
-- ... 64 slots), emptied from the front with table.remove (shifts, no allocation), a hash
-- part filled with string and integer keys (rehash as it doubles), half of it deleted and
-- then refilled with other keys (a deleted key's node is reused only for that key: the
-- new keys rehash), and table.insert in the middle of a kept array.
-- Usage: lua5.4 table_mutation.lua [OPS]   (default 1500)
local insert, remove = table.insert, table.remove

local KEYS = {}   -- interned once: the op's strings are not what it measures
local kept = {}

local function setup()
  for k = 1, 48 do KEYS[k] = "key" .. k end
  for k = 1, 16 do kept[k] = k end
end

local function op(i)
  local array = {}
  for k = 1, 40 + i % 24 do array[#array + 1] = k * i end
  local sum = 0
  while #array > 24 do sum = sum + remove(array, 1) end

  local hash = {}
  for k = 1, 32 do hash[KEYS[k]] = k end
  for k = 1, 24 do hash[k * 7 + i % 5] = k end
  for k = 1, 32, 2 do hash[KEYS[k]] = nil end
  for k = 33, 48 do hash[KEYS[k]] = k end   -- new keys: the hash part rehashes
  for _, v in pairs(hash) do sum = sum + v end

  insert(kept, 9, i)                       -- in the middle: shifts, grows the array
  if #kept > 64 then for _ = 1, 48 do remove(kept) end end
  return sum + #array + #kept
end

local here = arg and arg[0] and arg[0]:match("^(.*/)") or ""
dofile(here .. "harness.lua")("TableMutation", op, 1500, setup)
