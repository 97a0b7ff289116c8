local funcs = require("funcs")

local function main()
  local v, err = funcs.call("ns:divide", 1, 0)
  assert(v == nil and err ~= nil, "divide by zero must fail")
  assert(tostring(err):find("divide by zero", 1, true), "trap message: " .. tostring(err))
  assert(tostring(err):find("ns:divide", 1, true), "error names the entry: " .. tostring(err))
  v, err = funcs.call("ns:divide", 10, 2)
  assert(err == nil and v == 5, "divide works after a trap, got " .. tostring(v))
  v, err = funcs.call("ns:compute", "six", 7)
  assert(v == nil and err:kind() == errors.INVALID, "bad argument kind: " .. tostring(err))
  v, err = funcs.call("ns:missing")
  assert(v == nil and err:kind() == errors.NOT_FOUND, "missing entry: " .. tostring(err))
  return true
end

return { main = main }
