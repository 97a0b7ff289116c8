-- Wippy's runtime type values: what `type X = ...` evaluates to in a lowered chunk.
--
-- `X:is(v)` returns `v, nil` when v conforms to X and `nil, err` when it does not; err is a
-- Wippy error (kind Invalid) whose message names the failing path and rule, e.g.
-- `roles[1]: expected "admin" | "user", got "root"` or `name: length 0 is less than min_len 1`.
--
-- Run once per Lua state with (make_error, regex_match) from the host: an error value factory
-- and a regular-expression matcher (@pattern uses regular expressions, not Lua patterns).
local make_error, regex_match = ...

local type, pairs, tostring, rawget, setmetatable, getmetatable = type, pairs, tostring, rawget, setmetatable, getmetatable
local unpack = table.unpack
local math_type, floor, huge = math.type, math.floor, math.huge
local format, concat, utf8_len = string.format, table.concat, utf8.len

local T = {}
local Type = {}
Type.__index = Type

local function new(kind, check, describe)
  return setmetatable({ kind = kind, check = check, describe = describe }, Type)
end
T.new = new

local function show(v)
  if type(v) == "string" then return format("%q", v) end
  return tostring(v)
end

local function at(path, msg)
  if path == "" then return msg end
  return path .. ": " .. msg
end

local function child(path, key)
  if type(key) == "string" and key:match("^[%a_][%w_]*$") then
    return path == "" and key or (path .. "." .. key)
  end
  return path .. "[" .. show(key) .. "]"
end

local function got(v)
  local t = type(v)
  if t == "string" then return "got " .. show(v) end
  if t == "number" or t == "boolean" then return "got " .. t .. " " .. tostring(v) end
  return "got " .. t
end

function Type:desc()
  if self.name and self.kind == "record" then return self.name end
  return self.describe(self)
end

Type.__tostring = function(self) return self:desc() end

--- v, nil when v conforms; nil, error otherwise.
function Type:is(v)
  local msg = self:check(v, "")
  if msg then return nil, make_error(msg) end
  return v, nil
end

--- The message of the first violation, or nil (the host uses it too).
function Type:validate(v)
  return self:check(v, "")
end

-- Primitive types -------------------------------------------------------------------------------
local function prim(name, test)
  local t = new("prim", function(_, v, path)
    if test(v) then return nil end
    return at(path, "expected " .. name .. ", " .. got(v))
  end, function() return name end)
  t.prim = name
  T["t_" .. name] = t
end

prim("any", function() return true end)
prim("unknown", function() return true end)
prim("never", function() return false end)
prim("nil", function(v) return v == nil end)
prim("boolean", function(v) return type(v) == "boolean" end)
prim("number", function(v) return type(v) == "number" end)
prim("integer", function(v)
  return math_type(v) == "integer" or (type(v) == "number" and v == floor(v) and v ~= huge and v ~= -huge)
end)
prim("string", function(v) return type(v) == "string" end)
prim("table", function(v) return type(v) == "table" end)
prim("function", function(v) return type(v) == "function" end)
prim("userdata", function(v) return type(v) == "userdata" end)
prim("thread", function(v) return type(v) == "thread" end)
prim("error", function(v) local t = type(v) return t == "userdata" or t == "table" or t == "string" end)

-- Literals, unions, intersections, optionals ----------------------------------------------------
function T.literal(value)
  return new("literal", function(_, v, path)
    if v == value then return nil end
    return at(path, "expected " .. show(value) .. ", " .. got(v))
  end, function() return show(value) end)
end

function T.union(items)
  return new("union", function(self, v, path)
    for i = 1, #items do
      if not items[i]:check(v, path) then return nil end
    end
    return at(path, "expected " .. self:desc() .. ", " .. got(v))
  end, function()
    local parts = {}
    for i = 1, #items do parts[i] = items[i]:desc() end
    return concat(parts, " | ")
  end)
end

function T.intersection(items)
  return new("intersection", function(_, v, path)
    for i = 1, #items do
      local msg = items[i]:check(v, path)
      if msg then return msg end
    end
    return nil
  end, function()
    local parts = {}
    for i = 1, #items do parts[i] = items[i]:desc() end
    return concat(parts, " & ")
  end)
end

function T.optional(inner)
  return new("optional", function(_, v, path)
    if v == nil then return nil end
    return inner:check(v, path)
  end, function() return inner:desc() .. "?" end)
end

-- Tables ------------------------------------------------------------------------------------------
function T.array(elem)
  return new("array", function(_, v, path)
    if type(v) ~= "table" then return at(path, "expected array of " .. elem:desc() .. ", " .. got(v)) end
    local n = #v
    for k in pairs(v) do
      if math_type(k) ~= "integer" or k < 1 or k > n then
        return at(path, "expected array of " .. elem:desc() .. ", got a table with key " .. show(k))
      end
    end
    for i = 1, n do
      local msg = elem:check(v[i], child(path, i))
      if msg then return msg end
    end
    return nil
  end, function() return "{" .. elem:desc() .. "}" end)
end

local function check_entries(key, value, v, path, skip)
  for k, item in pairs(v) do
    if not (skip and skip[k]) then
      local msg = key:check(k, path)
      if msg then return at(path, "key " .. show(k) .. ": " .. msg) end
      msg = value:check(item, child(path, k))
      if msg then return msg end
    end
  end
  return nil
end

function T.map(key, value)
  return new("map", function(_, v, path)
    if type(v) ~= "table" then
      return at(path, "expected {[" .. key:desc() .. "]: " .. value:desc() .. "}, " .. got(v))
    end
    return check_entries(key, value, v, path, nil)
  end, function() return "{[" .. key:desc() .. "]: " .. value:desc() .. "}" end)
end

--- fields: { {name, type, optional}, ... }; key/value: an optional index signature.
function T.record(fields, key, value)
  local names = {}
  for i = 1, #fields do names[fields[i][1]] = true end
  return new("record", function(self, v, path)
    if type(v) ~= "table" then
      return at(path, "expected " .. self:desc() .. ", " .. got(v))
    end
    for i = 1, #fields do
      local f = fields[i]
      local item = v[f[1]]
      if item == nil then
        if not f[3] and f[2]:check(nil, "") ~= nil then
          return at(path, "missing required field " .. show(f[1]))
        end
      else
        local msg = f[2]:check(item, child(path, f[1]))
        if msg then return msg end
      end
    end
    if key then return check_entries(key, value, v, path, names) end
    return nil
  end, function()
    local parts = {}
    for i = 1, #fields do
      local f = fields[i]
      parts[i] = f[1] .. (f[3] and "?: " or ": ") .. f[2]:desc()
    end
    if key then parts[#parts + 1] = "[" .. key:desc() .. "]: " .. value:desc() end
    return "{" .. concat(parts, ", ") .. "}"
  end)
end

-- Constraints -------------------------------------------------------------------------------------
local function length(v)
  if type(v) == "string" then return utf8_len(v) or #v end
  if type(v) == "table" then
    local n = #v
    if n == 0 then for _ in pairs(v) do n = n + 1 end end
    return n
  end
  return nil
end

-- Each rule: nil when v satisfies it, else the message. Numeric rules ignore a non-number bound.
local rules = {}
function rules.min_len(v, n)
  if type(n) ~= "number" then return nil end
  local len = length(v)
  if len and len < n then return "length " .. len .. " is less than min_len " .. n end
end
function rules.max_len(v, n)
  if type(n) ~= "number" then return nil end
  local len = length(v)
  if len and len > n then return "length " .. len .. " exceeds max_len " .. n end
end
function rules.min(v, n)
  if type(v) == "number" and type(n) == "number" and v < n then return "value " .. tostring(v) .. " is less than minimum " .. n end
end
function rules.max(v, n)
  if type(v) == "number" and type(n) == "number" and v > n then return "value " .. tostring(v) .. " exceeds maximum " .. n end
end
function rules.pattern(v, re)
  if type(v) == "string" and type(re) == "string" and not regex_match(re, v) then
    return show(v) .. " does not match pattern " .. show(re)
  end
end
rules.min_length, rules.max_length, rules.minimum, rules.maximum = rules.min_len, rules.max_len, rules.min, rules.max

--- constraints: { {"min_len", 3}, {"pattern", "^a"}, ... }; unknown names are not checked.
function T.constrain(base, constraints)
  return new(base.kind, function(_, v, path)
    local msg = base:check(v, path)
    if msg then return msg end
    if v == nil then return nil end
    for i = 1, #constraints do
      local c = constraints[i]
      local rule = rules[c[1]]
      if rule and c[2] ~= nil then
        msg = rule(v, c[2])
        if msg then return at(path, msg) end
      end
    end
    return nil
  end, function()
    local parts = { base:desc() }
    for i = 1, #constraints do
      local c = constraints[i]
      parts[#parts + 1] = "@" .. c[1] .. (c[2] ~= nil and ("(" .. show(c[2]) .. ")") or "")
    end
    return concat(parts, " ")
  end)
end

-- Names, references, generics -----------------------------------------------------------------
local function is_type(v)
  return type(v) == "table" and getmetatable(v) == Type
end
T.is_type = is_type

--- A declared type: gives records their name in messages.
function T.named(name, t)
  if rawget(t, "name") == nil and t.kind ~= "prim" then t.name = name end  -- prims are shared
  return t
end

--- A type named in another: resolved when first checked (it may be declared later, be
--- recursive, or live in another library's module table: `inner.Inner`).
function T.ref(resolve, name, args)
  local target
  local function get()
    if target then return target end
    local t = resolve()
    if not is_type(t) then return nil end
    if args then
      if t.instantiate == nil then return nil end
      t = t:instantiate(args)
    end
    target = t
    return t
  end
  return new("ref", function(_, v, path)
    local t = get()
    if t == nil then return at(path, "unknown type " .. name) end
    return t:check(v, path)
  end, function()
    local t = get()
    if t == nil then return name end
    if t.kind == "record" and t.name then return t.name end
    return t:desc()
  end)
end

--- `type Box<T> = ...`: Box<string> instantiates; Box itself checks with its parameters as any.
function T.generic(name, params, build)
  local plain
  local function default()
    if not plain then
      local anys = {}
      for i = 1, #params do anys[i] = T.t_any end
      plain = build(unpack(anys, 1, #params))
    end
    return plain
  end
  local g = new("generic", function(_, v, path) return default():check(v, path) end,
    function() return name .. "<" .. concat(params, ", ") .. ">" end)
  g.name = name
  function g.instantiate(_, args)
    local t = build(unpack(args, 1, #params))
    return T.named(name, t)
  end
  return g
end

--- `export type X`: the chunk's `return M, ...` becomes `return exports({X = X}, M, ...)`,
--- which adds the exported types to the module table M (fields M already has win).
function T.exports(types, ...)
  local m = ...
  if type(m) == "table" then
    for k, v in pairs(types) do
      if rawget(m, k) == nil then m[k] = v end
    end
  end
  return ...
end

--- typeof(value) of a value with no declared type: its shape now.
function T.of(value)
  local t = type(value)
  if t ~= "table" then return T["t_" .. t] or T.t_any end
  local fields = {}
  for k, item in pairs(value) do
    if type(k) == "string" then fields[#fields + 1] = { k, T.of(item), false } end
  end
  if #fields == 0 and #value > 0 then return T.array(T.of(value[1])) end
  return T.record(fields)
end

return T
