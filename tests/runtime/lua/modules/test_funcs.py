"""`funcs` through real Lua: functions are Lua functions, Futures and Executors have Lua-function
methods, and `funcs.new():with_actor():with_scope():call()` judges the call in the caller's
context while the injected identity applies inside the callee."""

from __future__ import annotations

import pytest
from wippy_runtime import Runtime
from wippy_runtime.errors import PERMISSION_DENIED


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()


def fn(rt: Runtime, name: str, source: str) -> None:
    rt.define({"id": f"t:{name}", "kind": "function.lua", "source": source, "method": "main",
               "modules": ["funcs", "security"]})


def policy(rt: Runtime, name: str, actions, resources="*") -> str:
    rt.define({"id": f"t:{name}", "kind": "security.policy",
               "policy": {"actions": actions, "resources": resources, "effect": "allow"}})
    return f"t:{name}"


WHO = """return { main = function(x)
  local a = security.actor()
  return { actor = a and a:id(), x = x }
end }"""


def test_module_functions_and_methods_are_lua_functions(rt):
    fn(rt, "who", WHO)
    fn(rt, "main", """return { main = function()
      local f = funcs.async("t:who", 1)
      local e = funcs.new()
      local out = { type(funcs.call), type(funcs.async), type(funcs.new), type(f.cancel),
                    type(f.channel), type(f.response), type(e.call), type(e.async),
                    type(e.with_actor), f:response():receive():data().x, f:is_complete() }
      return out
    end }""")
    assert rt.call("t:main") == ["function"] * 9 + [1, True]


def test_executor_call_and_async_run_the_callee_with_the_injected_identity(rt):
    fn(rt, "who", WHO)
    fn(rt, "main", """return { main = function()
      local e = funcs.new():with_actor(security.new_actor("bob"))
      local v, err = e:call("t:who", 2)
      local f = e:async("t:who", 3)
      local p = f:response():receive()
      return { v.actor, v.x, p:data().actor, p:data().x, err == nil }
    end }""")
    assert rt.call("t:main") == ["bob", 2, "bob", 3, True]


def test_executor_permission_is_judged_in_the_callers_context(rt):
    fn(rt, "who", WHO)
    making = ["funcs.security", "security.actor.create", "security.scope.create",
              "security.policy.get"]
    caller_ok = policy(rt, "caller_ok", ["funcs.call", *making])
    security_only = policy(rt, "security_only", making)
    enter = policy(rt, "enter", ["funcs.call"], "t:main")
    fn(rt, "main", """return { main = function(scope_ids)
      local policies = {}
      for i, id in ipairs(scope_ids) do policies[i] = security.policy(id) end
      local injected = security.new_scope(policies)
      local e = funcs.new():with_actor(security.new_actor("bob")):with_scope(injected)
      local v, err = e:call("t:who", 1)
      if err then return { denied = err:kind(), message = err:message() } end
      return { actor = v.actor }
    end }""")
    # The caller may call t:who; the injected scope may not: allowed (the caller's decision),
    # and the callee runs as bob.
    assert rt.call("t:main", ["t:security_only"], actor="alice", scope=[caller_ok]) == \
        {"actor": "bob"}
    # The caller may not call t:who; the injected scope could: denied.
    out = rt.call("t:main", ["t:caller_ok"], actor="alice", scope=[security_only, enter])
    assert out["denied"] == PERMISSION_DENIED
    assert "funcs.call on t:who for actor 'alice'" in out["message"]
