-- A library: its chunk returns the module table; function entries import it by alias.
local mathx = {}

function mathx.hypot2(a, b)
  local aa = funcs.call("ns:multiply", a, a)
  local bb = funcs.call("ns:multiply", b, b)
  return funcs.call("ns:compute", aa, bb)
end

return mathx
