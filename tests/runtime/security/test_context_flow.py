"""The execution context travels: Python -> Lua -> Lua -> Lua, set by Runtime.call or by
`funcs.new():with_*` in Lua, and `funcs.call` is judged against it."""

from __future__ import annotations

import threading

import pytest
from sec_helpers import lua, policy
from wippy_runtime.errors import INVALID, PERMISSION_DENIED, CallError
from wippy_runtime.security import Actor, ExecutionContext, Scope, capture, run_in, using

# The innermost entry reports what it sees.
LEAF = """
local function main()
  local a, s = security.actor(), security.scope()
  local ids = {}
  if s then for _, p in ipairs(s:policies()) do ids[#ids + 1] = p:id() end end
  return {
    actor = a and a:id() or "none",
    role = a and a:meta().role or "none",
    scope = table.concat(ids, ","),
    request = ctx.get("request_id") or "none",
    values = ctx.all(),
  }
end
return { main = main }
"""

# A middle entry that passes the call on unchanged.
MIDDLE = """
local function main(target) return funcs.call(target) end
return { main = main }
"""


def define_chain(rt):
    lua(rt, "app:leaf", LEAF)
    lua(rt, "app:middle", MIDDLE)


def test_runtime_call_context_is_seen_two_calls_deep(rt):
    define_chain(rt)
    pid = policy(rt, "all")
    lua(rt, "app:top", "local function main() return funcs.call('app:middle', 'app:leaf') end "
                       "return { main = main }")
    out = rt.call("app:top", actor=Actor("alice", {"role": "admin"}), scope=[pid],
                  context={"request_id": "r-1"})
    assert out == {"actor": "alice", "role": "admin", "scope": "app:all", "request": "r-1",
                   "values": {"request_id": "r-1"}}


def test_without_context_nothing_is_seen(rt):
    define_chain(rt)
    out = rt.call("app:middle", "app:leaf")
    assert out == {"actor": "none", "role": "none", "scope": "", "request": "none",
                   "values": {}}


def test_executor_context_is_seen_two_calls_deep_and_not_after(rt):
    define_chain(rt)
    pid = policy(rt, "all")
    lua(rt, "app:top", f"""
local function main()
  local ex = funcs.new()
    :with_actor(security.new_actor("bob", {{role = "user"}}))
    :with_scope(security.new_scope({{security.policy("{pid}")}}))
    :with_context({{request_id = "r-2", extra = 5}})
  local inner, err = ex:call("app:middle", "app:leaf")
  if err then return nil, err end
  local after = funcs.call("app:leaf")
  return {{inner = inner, after = after}}
end
return {{ main = main }}
""")
    out = rt.call("app:top")
    assert out["inner"] == {"actor": "bob", "role": "user", "scope": "app:all",
                            "request": "r-2", "values": {"request_id": "r-2", "extra": 5}}
    assert out["after"]["actor"] == "none" and out["after"]["values"] == {}


def test_executor_is_immutable(rt):
    define_chain(rt)
    lua(rt, "app:top", """
local function main()
  local base = funcs.new()
  local with = base:with_context({request_id = "x"})
  local a = base:call("app:leaf")
  local b = with:call("app:leaf")
  return {a = a.request, b = b.request}
end
return { main = main }
""")
    assert rt.call("app:top") == {"a": "none", "b": "x"}


def test_with_context_merges_over_inherited_values(rt):
    define_chain(rt)
    lua(rt, "app:top", """
local function main()
  local r = funcs.new():with_context({extra = 1}):call("app:middle", "app:leaf")
  return r.values
end
return { main = main }
""")
    assert rt.call("app:top", context={"request_id": "r", "extra": 0}) == {
        "request_id": "r", "extra": 1}


def test_funcs_call_denied_names_entry_in_lua(rt):
    define_chain(rt)
    pid = policy(rt, "only_middle", actions="funcs.call", resources="app:middle")
    lua(rt, "app:top", """
local function main()
  local v, err = funcs.call("app:middle", "app:leaf")
  return {kind = err:kind(), message = err:message(), value = v == nil}
end
return { main = main }
""")
    # app:top itself is not allowed to the actor: the Python call is refused
    with pytest.raises(CallError) as info:
        rt.call("app:top", actor="carol", scope=[pid])
    assert info.value.kind == PERMISSION_DENIED and info.value.entry == "app:top"
    # allowed to top and middle, not leaf: the error surfaces two levels down
    top_pid = policy(rt, "may_call_top", actions="funcs.call", resources="app:top")
    out = rt.call("app:top", actor="carol", scope=[pid, top_pid])
    assert out["kind"] == PERMISSION_DENIED and out["value"]
    assert "app:leaf" in out["message"] and "funcs.call" in out["message"]
    assert "carol" in out["message"]


def test_deny_policy_blocks_a_call_an_allow_policy_would_permit(rt):
    lua(rt, "app:leaf", LEAF)
    allow = policy(rt, "allow_all")
    deny = policy(rt, "no_leaf", effect="deny", actions="funcs.call", resources="app:leaf")
    assert rt.call("app:leaf", actor="a", scope=[allow])["actor"] == "a"
    with pytest.raises(CallError, match="permission denied: funcs.call on app:leaf"):
        rt.call("app:leaf", actor="a", scope=[allow, deny])


def test_condition_decides_per_actor(rt):
    lua(rt, "app:leaf", LEAF)
    pid = policy(rt, "admins", conditions=[{"field": "actor.meta.role", "operator": "eq",
                                            "value": "admin"}])
    assert rt.call("app:leaf", actor=Actor("a", {"role": "admin"}), scope=[pid])["actor"] == "a"
    with pytest.raises(CallError) as info:
        rt.call("app:leaf", actor=Actor("b", {"role": "user"}), scope=[pid])
    assert info.value.kind == PERMISSION_DENIED


def test_strict_mode_denies_calls_without_actor(rt):
    define_chain(rt)
    rt.security.strict_mode = True
    with pytest.raises(CallError, match="no actor, strict mode") as info:
        rt.call("app:leaf")
    assert info.value.entry == "app:leaf"
    pid = policy(rt, "all")
    assert rt.call("app:middle", "app:leaf", actor="a", scope=[pid])["actor"] == "a"
    rt.security.strict_mode = False
    assert rt.call("app:leaf")["actor"] == "none"


def test_strict_mode_denies_nested_call_from_lua_without_actor(rt):
    define_chain(rt)
    lua(rt, "app:top", """
local function main() local v, err = funcs.call("app:leaf") return err:kind() end
return { main = main }
""")
    pid = policy(rt, "top_only", actions="funcs.call", resources="app:top")
    rt.security.strict_mode = True
    # an actor without a scope is still "missing" for strict mode, at the nested call too
    lua(rt, "app:outer", """
local function main()
  local v, err = funcs.new():with_actor(security.new_actor("x")):call("app:leaf")
  return v and v.actor or err:kind()
end
return { main = main }
""")
    assert rt.call("app:top", actor="a", scope=[pid]) == PERMISSION_DENIED
    allow_outer = policy(rt, "allow_everything", actions="*", resources="*")
    assert rt.call("app:outer", actor="a", scope=[allow_outer]) == "x"


def test_executor_identity_change_needs_funcs_security(rt):
    define_chain(rt)
    call_only = policy(rt, "call_only", actions=["funcs.call", "security.actor.create"])
    lua(rt, "app:top", """
local function main()
  local v, err = funcs.new():with_actor(security.new_actor("mallory")):call("app:leaf")
  if err then return {kind = err:kind(), message = err:message()} end
  return {actor = v.actor}
end
return { main = main }
""")
    out = rt.call("app:top", actor="a", scope=[call_only])
    assert out == {"kind": PERMISSION_DENIED,
                   "message": "not allowed to call functions with custom security context"}
    both = policy(rt, "both", actions=["funcs.call", "funcs.security", "security.actor.create"])
    assert rt.call("app:top", actor="a", scope=[both]) == {"actor": "mallory"}


def test_executor_context_needs_funcs_context(rt):
    define_chain(rt)
    call_only = policy(rt, "call_only", actions="funcs.call")
    lua(rt, "app:top", """
local function main()
  local v, err = funcs.new():with_context({request_id = "forged"}):call("app:leaf")
  return err and err:kind() or v.request
end
return { main = main }
""")
    assert rt.call("app:top", actor="a", scope=[call_only]) == PERMISSION_DENIED
    with_ctx = policy(rt, "ctx", actions=["funcs.call", "funcs.context"])
    assert rt.call("app:top", actor="a", scope=[with_ctx]) == "forged"


def test_executor_argument_errors_raise(rt):
    lua(rt, "app:nil_actor", "local function main() funcs.new():with_actor(nil) end "
                             "return { main = main }")
    lua(rt, "app:bad_actor", "local function main() funcs.new():with_actor('bob') end "
                             "return { main = main }")
    with pytest.raises(CallError, match="actor cannot be nil") as info:
        rt.call("app:nil_actor")
    assert info.value.entry == "app:nil_actor" and info.value.kind == INVALID
    with pytest.raises(CallError, match="Actor expected"):
        rt.call("app:bad_actor")


def test_actor_returned_to_python_is_plain_and_reusable(rt):
    lua(rt, "app:make", "local function main() return security.new_actor('z', {k = 1}) end "
                        "return { main = main }")
    lua(rt, "app:leaf", LEAF)
    actor = rt.call("app:make")
    assert actor == Actor("z", {"k": 1})
    assert rt.call("app:leaf", actor=actor)["actor"] == "z"


def test_actor_passed_as_argument_works_in_the_callee_state(rt):
    lua(rt, "app:meta_of", "local function main(a) return a:meta().k end return { main = main }")
    lua(rt, "app:top", """
local function main() return funcs.call("app:meta_of", security.new_actor("z", {k = 7})) end
return { main = main }
""")
    assert rt.call("app:top") == 7


def test_context_is_captured_for_another_thread(rt):
    lua(rt, "app:leaf", LEAF)
    pid = policy(rt, "all")
    results = []
    ctx = ExecutionContext(Actor("t"), Scope([rt.security.policy(pid)]), {"request_id": "th"})
    with using(ctx):
        captured = capture()

    def worker():
        results.append(run_in(captured, rt.call, "app:leaf"))

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert results[0]["actor"] == "t" and results[0]["request"] == "th"
    assert rt.call("app:leaf")["actor"] == "none"  # nothing leaked into this thread


def test_python_context_errors(rt):
    lua(rt, "app:leaf", LEAF)
    with pytest.raises(CallError, match="security.policy app:nope not found"):
        rt.call("app:leaf", actor="a", scope=["app:nope"])
    with pytest.raises(TypeError):
        rt.call("app:leaf", actor=42)
