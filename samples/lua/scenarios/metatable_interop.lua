-- metatable_interop.lua — MetatableInterop: objects made of metatables, the way Lua code
-- builds classes and operator overloading. A class hierarchy (Shape <- Circle, Shape <-
-- Rect, methods found through __index chains), a Vec type with __add/__sub/__eq/__len,
-- a read-only proxy (__index/__newindex to a backing table) and a callable counter
-- (__call). Per op: two Vecs made with Vec.new and two by the operators (each
-- setmetatable({x = .., y = ..}, Vec): the table and its 2-slot hash part, 2 allocations),
-- one Circle and one Rect (Shape.new: the same, 2 allocations each), the rest method
-- calls, metamethods and proxy writes to existing keys, which allocate nothing: 12
-- allocations per op.
-- Usage: lua5.4 metatable_interop.lua [OPS]   (default 4000)
local setmetatable, rawset = setmetatable, rawset

local Vec = {}
Vec.__index = Vec
function Vec.new(x, y) return setmetatable({ x = x, y = y }, Vec) end
Vec.__add = function(a, b) return Vec.new(a.x + b.x, a.y + b.y) end
Vec.__sub = function(a, b) return Vec.new(a.x - b.x, a.y - b.y) end
Vec.__eq = function(a, b) return a.x == b.x and a.y == b.y end
Vec.__len = function(a) return math.abs(a.x) + math.abs(a.y) end
function Vec:dot(o) return self.x * o.x + self.y * o.y end

local Shape = {}
Shape.__index = Shape
function Shape.new(class, a, b) return setmetatable({ a = a, b = b }, class) end
function Shape:describe() return self:area() + self:perimeter() end
function Shape:perimeter() return 0 end

local Circle = setmetatable({}, { __index = Shape })
Circle.__index = Circle
function Circle:area() return 3 * self.a * self.a end
function Circle:perimeter() return 6 * self.a end

local Rect = setmetatable({}, { __index = Shape })
Rect.__index = Rect
function Rect:area() return self.a * self.b end        -- perimeter: Shape's

local settings = { scale = 1, offset = 0, writes = 0 }
local proxy = setmetatable({}, {
  __index = settings,
  __newindex = function(_, key, value)
    if settings[key] == nil then error("unknown setting " .. tostring(key)) end
    settings[key] = value
    settings.writes = settings.writes + 1
  end,
})

local counter = setmetatable({ n = 0 }, {
  __call = function(self, step) rawset(self, "n", self.n + step); return self.n end,
})

local function op(i)
  local a = Vec.new(i % 17, i % 5)
  local b = Vec.new(3, -(i % 11))
  local c = a + b
  local d = c - a
  local total = #c + a:dot(b) + (d == b and 1 or 0)
  local circle = Shape.new(Circle, i % 9 + 1)
  local rect = Shape.new(Rect, i % 4 + 1, 3)
  total = total + circle:describe() + rect:describe()
  proxy.scale = i % 3 + 1
  proxy.offset = total % 10
  return total * proxy.scale + counter(1)
end

local here = arg and arg[0] and arg[0]:match("^(.*/)") or ""
dofile(here .. "harness.lua")("MetatableInterop", op, 4000)
