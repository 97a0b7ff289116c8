local funcs = require("funcs")
local json = require("json")

local function main(a, b)
  local sum, err = funcs.call("ns:compute", a, b)
  if err then return nil, err end
  local product = funcs.call("ns:multiply", a, b)
  local squared = funcs.call("ns:square", sum)
  return {
    sum = sum,
    product = product,
    squared = squared,
    hypot2 = mathx.hypot2(a, b),
    answer = funcs.call("ns:answer"),
    json = json.encode({a = a, b = b}),
  }
end

return { main = main }
