"""The Lua `security` and `ctx` modules, method by method."""

from __future__ import annotations

import pytest
from sec_helpers import lua, policy
from wippy_runtime.errors import INTERNAL, INVALID, NOT_FOUND, PERMISSION_DENIED, CallError
from wippy_runtime.security import Actor


def run(rt, body: str, *args, **call_kw):
    lua(rt, "app:probe", f"local function main(...) {body} end return {{ main = main }}")
    return rt.call("app:probe", *args, **call_kw)


def test_actor_and_scope_are_nil_without_context(rt):
    assert run(rt, "return {security.actor() == nil, security.scope() == nil}") == [True, True]


def test_actor_methods(rt):
    out = run(rt, "local a = security.actor() return {a:id(), a:meta().role, a:meta().n}",
              actor=Actor("alice", {"role": "admin", "n": 2}))
    assert out == ["alice", "admin", 2]


def test_new_actor_and_meta_are_independent_copies(rt):
    out = run(rt, """
local meta = {role = "x"}
local a = security.new_actor("u1", meta)
meta.role = "changed"
local m = a:meta(); m.role = "mutated"
return {a:id(), a:meta().role, tostring(a)}
""")
    assert out == ["u1", "x", "Actor(u1)"]


def test_new_actor_requires_string_id(rt):
    with pytest.raises(CallError, match=r"bad argument #1 to 'security.new_actor' "
                                        r"\(string expected, got int\)"):
        run(rt, "security.new_actor(5)")


def test_new_actor_and_new_scope_raise_when_denied(rt):
    pid = policy(rt, "calls", actions="funcs.call")
    with pytest.raises(CallError, match="not allowed to create actor with ID: x") as info:
        run(rt, "security.new_actor('x')", actor="a", scope=[pid])
    assert info.value.kind == PERMISSION_DENIED and info.value.entry == "app:probe"
    with pytest.raises(CallError, match="not allowed to create custom scopes"):
        run(rt, "security.new_scope()", actor="a", scope=[pid])


def test_scope_methods(rt):
    policy(rt, "read", actions="read", resources="doc:*")
    policy(rt, "no_secret", effect="deny", actions="*", resources="doc:secret")
    out = run(rt, """
local read, deny = security.policy("app:read"), security.policy("app:no_secret")
local s0 = security.new_scope()
local s1 = s0:with(read)
local s2 = s1:with(deny)
local a = security.new_actor("u")
local ids = {}
for _, p in ipairs(s2:policies()) do ids[#ids + 1] = p:id() end
return {
  n0 = #s0:policies(), n1 = #s1:policies(), ids = ids,
  contains = {s2:contains(read), s2:contains("app:no_secret"), s1:contains(deny)},
  without = #s2:without("app:read"):policies(),
  without_obj = s2:without(read):contains("app:read"),
  allow = s2:evaluate(a, "read", "doc:1"),
  deny = s2:evaluate(a, "read", "doc:secret"),
  undefined = s2:evaluate(a, "write", "doc:1"),
  nil_actor = s1:evaluate(nil, "read", "doc:1"),
}
""")
    assert out == {"n0": 0, "n1": 1, "ids": ["app:read", "app:no_secret"],
                   "contains": [True, True, False], "without": 1, "without_obj": False,
                   "allow": "allow", "deny": "deny", "undefined": "undefined",
                   "nil_actor": "allow"}


def test_new_scope_with_policy_list(rt):
    policy(rt, "p1")
    policy(rt, "p2")
    out = run(rt, """
local s = security.new_scope({security.policy("app:p1"), security.policy("app:p2")})
return #s:policies()
""")
    assert out == 2


def test_policy_methods_and_meta_conditions(rt):
    policy(rt, "owner", actions="edit", resources="*",
           conditions=[{"field": "meta.owner", "operator": "eq", "value_from": "actor.id"}])
    out = run(rt, """
local p = security.policy("app:owner")
local a = security.new_actor("ann")
return {p:id(), p:evaluate(a, "edit", "doc:1", {owner = "ann"}),
        p:evaluate(a, "edit", "doc:1", {owner = "bob"}), p:evaluate(a, "edit", "doc:1")}
""")
    assert out == ["app:owner", "allow", "undefined", "undefined"]


def test_policy_lookup_errors(rt):
    lua(rt, "app:fn", "local function main() return 1 end return { main = main }")
    out = run(rt, """
local p, err = security.policy("app:missing")
local q, err2 = security.policy("app:fn")
return {p == nil, err:kind(), err:message(), q == nil, err2:message()}
""")
    assert out[:2] == [True, INTERNAL] and "app:missing not found" in out[2]
    assert out[3] is True and "is a function.lua" in out[4]


def test_policy_lookup_denied_is_invalid(rt):
    pid = policy(rt, "calls", actions="funcs.call")
    out = run(rt, "local p, err = security.policy('app:calls') return {p == nil, err:kind(), "
                  "err:message()}", actor="a", scope=[pid])
    assert out == [True, INVALID, "not allowed to access policy: app:calls"]


def test_named_scope(rt):
    policy(rt, "g1", groups=["staff"])
    policy(rt, "g2", groups=["staff"])
    out = run(rt, """
local s, err = security.named_scope("app:staff")
local none, err2 = security.named_scope("app:nobody")
return {#s:policies(), err == nil, none == nil, err2:kind()}
""")
    assert out == [2, True, True, NOT_FOUND]


def test_can_uses_action_first_and_the_current_context(rt):
    pid = policy(rt, "reader", actions="read", resources="doc:*")
    calls = policy(rt, "calls", actions="funcs.call")
    body = "return {security.can('read', 'doc:1'), security.can('doc:1', 'read'), " \
           "security.can('write', 'doc:1')}"
    assert run(rt, body, actor="a", scope=[pid, calls]) == [True, False, False]
    # no actor/scope: can() says no, even outside strict mode (unlike the runtime's own
    # permission checks, which then allow)
    assert rt.security.strict_mode is False
    assert run(rt, body) == [False, False, False]
    rt.security.strict_mode = True
    lua(rt, "app:probe", "local function main() return security.can('read', 'doc:1') end "
                         "return { main = main }")
    allow_probe = policy(rt, "probe_only", actions="funcs.call", resources="app:probe")
    assert rt.call("app:probe", actor="a", scope=[allow_probe]) is False


def test_can_with_meta(rt):
    pid = policy(rt, "own", actions="edit", conditions=[
        {"field": "meta.owner", "operator": "eq", "value_from": "actor.id"}])
    call_probe = policy(rt, "call_probe", actions="funcs.call")
    out = run(rt, "return {security.can('edit', 'd', {owner = 'a'}), "
                  "security.can('edit', 'd', {owner = 'b'})}", actor="a", scope=[pid, call_probe])
    assert out == [True, False]


def test_ctx_get_and_all(rt):
    out = run(rt, """
local v, err = ctx.get("user")
local m, err2 = ctx.get("missing")
local e, err3 = ctx.get("")
local all = ctx.all()
return {v = v.name, err = err == nil, missing = m == nil, k2 = err2:kind(), k3 = err3:kind(),
        n = all.n}
""", context={"user": {"name": "ann"}, "n": 3})
    assert out == {"v": "ann", "err": True, "missing": True, "k2": NOT_FOUND, "k3": INVALID,
                   "n": 3}


def test_ctx_values_are_read_only_copies(rt):
    lua(rt, "app:reader", "local function main() return ctx.get('t').x end return { main = main }")
    out = run(rt, """
local t = ctx.get("t"); t.x = "changed"
local again = ctx.get("t").x
return {again, funcs.call("app:reader")}
""", context={"t": {"x": "orig"}})
    assert out == ["orig", "orig"]


def test_ctx_all_is_empty_table_without_context(rt):
    assert run(rt, "local t = ctx.all() return next(t) == nil") is True


def test_require_works_for_security_and_ctx(rt):
    assert run(rt, "return {require('security') == security, require('ctx') == ctx}") == [
        True, True]


def test_methods_ignore_extra_arguments_like_lua(rt):
    """`security.policy(id)` returns (policy, nil); passing that call straight on must work as
    in Lua/Wippy, where extra arguments are dropped rather than being a Python TypeError."""
    policy(rt, "read", actions="funcs.call")
    lua(rt, "app:extra", """
local function main()
  local s = security.new_scope({}, "extra"):with(security.policy("app:read"))
  local a = security.new_actor("x", {}, "extra")
  local v = funcs.new():with_context({k = "v"}, "extra"):with_actor(a, nil):with_scope(s, nil)
  return {contains = s:contains(security.policy("app:read")),
          without = #s:without("app:read", "extra"):policies(),
          ctx = ctx.get("k", "extra"), executor = tostring(v)}
end
return { main = main }
""")
    assert rt.call("app:extra", context={"k": "kv"}) == {
        "contains": True, "without": 0, "ctx": "kv", "executor": "funcs.Executor"}


def test_module_functions_are_lua_functions(rt):
    names = ("actor", "scope", "can", "policy", "named_scope", "new_scope", "new_actor",
             "token_store")
    body = "local t = {} for _, n in ipairs({%s}) do t[n] = type(security[n]) end return t" % (
        ", ".join(f"'{n}'" for n in names))
    assert run(rt, body) == dict.fromkeys(names, "function")


def test_token_store_without_a_store_entry(rt):
    out = run(rt, """
local s, err = security.token_store("app:tokens")
local s2, err2 = security.token_store("")
return {s == nil, err:kind(), s2 == nil, err2:kind()}
""")
    assert out == [True, NOT_FOUND, True, INVALID]
