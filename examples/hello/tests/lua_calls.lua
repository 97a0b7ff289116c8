local funcs = require("funcs")

local function main()
  local r, err = funcs.call("ns:report", 3, 4)
  assert(err == nil, "report failed: " .. tostring(err))
  assert(r.sum == 7 and r.product == 12 and r.squared == 49, "report values")
  assert(r.hypot2 == 25, "library call through imports: " .. tostring(r.hypot2))
  assert(r.answer == 42, "answer")
  assert(r.json == '{"a":3,"b":4}' or r.json == '{"b":4,"a":3}', "json: " .. r.json)
  return true
end

return { main = main }
