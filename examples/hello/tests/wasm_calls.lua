local funcs = require("funcs")

local function main()
  local v, err = funcs.call("ns:answer")
  assert(err == nil and v == 42, "answer: expected 42, got " .. tostring(v))
  v, err = funcs.call("ns:compute", 6, 7)
  assert(err == nil and v == 13, "compute(6, 7): expected 13, got " .. tostring(v))
  assert(math.type(v) == "integer", "compute result must be an integer")
  v, err = funcs.call("ns:multiply", 6, 7)
  assert(err == nil and v == 42, "multiply(6, 7): expected 42, got " .. tostring(v))
  v, err = funcs.call("ns:square", 12)
  assert(err == nil and v == 144, "square(12): expected 144, got " .. tostring(v))
  return true
end

return { main = main }
