-- closure_capture.lua — ClosureCapture: closures created per op, capturing upvalues that
-- they share and update. Each op opens one "account": make_account's two locals become
-- two upvalues (luaF_findupval, one allocation each) shared by three new closures
-- (luaF_newLclosure, one allocation each), so an op allocates exactly 5 blocks: Lua 5.4
-- has no closure cache, and calling the closures allocates nothing.
-- Usage: lua5.4 closure_capture.lua [OPS]   (default 8000)
local function make_account(balance)
  local history = 0
  local function deposit(x) balance = balance + x; history = history + 1 end
  local function withdraw(x) balance = balance - x; history = history + 1 end
  local function report() return balance * 100 + history end
  return deposit, withdraw, report
end

local function op(i)
  local deposit, withdraw, report = make_account(i % 50)
  for k = 1, 8 do
    deposit(k)
    if k % 3 == 0 then withdraw(k // 3) end
  end
  return report()
end

local here = arg and arg[0] and arg[0]:match("^(.*/)") or ""
dofile(here .. "harness.lua")("ClosureCapture", op, 8000)
