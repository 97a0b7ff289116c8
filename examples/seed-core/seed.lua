-- The seed's example (SPEC §1), exactly as written, then checks of what it returned.
local function main()
  local funcs = require("funcs")
  local result, err = funcs.call("myns:answer_wat")          -- no arguments
  assert(err == nil and result == 42, "answer_wat: " .. tostring(err or result))
  local result, err = funcs.call("myns:compute", 6, 7)       -- with arguments
  assert(err == nil and result == 13, "compute: " .. tostring(err or result))
  local users = {
    {id = 1, name = "Alice", tags = {"admin"}, active = true},
    {id = 2, name = "Bob", tags = {"user"}, active = false},
  }
  local transformed, err = funcs.call("myns:transform_users", users)   -- complex data
  assert(err == nil, "transform_users: " .. tostring(err))
  assert(#transformed == 2, "two users back")
  local alice, bob = transformed[1], transformed[2]
  assert(alice.id == 1 and alice.name == "@Alice" and alice.active == false, "alice")
  assert(#alice.tags == 2 and alice.tags[1] == "admin" and alice.tags[2] == "seen", "alice tags")
  assert(bob.id == 2 and bob.name == "@Bob" and bob.active == true, "bob")
  assert(math.type(bob.id) == "integer", "ids stay integers")
  -- a bad argument is an error naming the parameter, the WIT type and the value
  local _, bad = funcs.call("myns:transform_users", {{id = 1, name = 5, tags = {}, active = true}})
  assert(bad and tostring(bad):find("users[1].name: expected string, got integer 5", 1, true),
         "bad argument error: " .. tostring(bad))
  return transformed
end

return { main = main }
