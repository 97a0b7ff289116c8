"""The `context` host (`wippy:runtime/context@0.1.0`) and the execution context crossing the
`funcs` import: actor/scope/context set in Lua are seen by a WASM guest two calls deep
(Lua -> WASM -> funcs import -> Lua -> WASM), and a guest's `funcs` calls are judged by its
caller's scope without breaking the calling instance."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hosts_helpers import FIXTURES, REPO
from wippy_runtime.errors import PERMISSION_DENIED, CallError, GuestError, LoadError
from wippy_runtime.security import Actor
from wippy_runtime.wasm.host_context import value_text
from wippy_runtime.wasm.host_linking import UnlinkedImportError
from wippy_runtime.wasm.host_profiles import resolve_imports, resolve_token

FUNCS = ["funcs"]
CONTEXT = ["context"]
LUA_MODULES = ("funcs", "security", "ctx", "json")


def policy(rt: Any, name: str, effect: str = "allow", actions: Any = "*",
           resources: Any = "*") -> str:
    """Define a security.policy `t:name`; return its id."""
    rt.define({"id": f"t:{name}", "kind": "security.policy",
               "policy": {"actions": actions, "resources": resources, "effect": effect}})
    return f"t:{name}"


# -- the probe on its own ---------------------------------------------------------------------

@pytest.fixture
def probe(hosts):
    for method in ("whoami", "actor-id", "actor-meta", "get", "add"):
        hosts.probe(method, method, CONTEXT)
    return hosts


def test_no_context_reads_as_none(probe):
    assert probe.rt.call("t:whoami") == {"actor": None, "role": None, "request-id": None}


def test_actor_meta_and_values_from_python(probe):
    out = probe.rt.call("t:whoami", actor=Actor("bob", {"role": "ops"}),
                        context={"request_id": "r-9"})
    assert out == {"actor": "bob", "role": "ops", "request-id": "r-9"}
    assert probe.rt.call("t:actor-id", actor="carol") == "carol"
    assert probe.rt.call("t:whoami") == {"actor": None, "role": None, "request-id": None}


@pytest.mark.parametrize("value,text", [
    ("plain", "plain"), ("", ""), ("ünï", "ünï"), (42, "42"), (2.5, "2.5"), (True, "true"),
    (None, "null"), ({"a": [1, None]}, '{"a":[1,null]}'), ([1, "x"], '[1,"x"]'),
    (b"\xffok", "\ufffdok"),
])
def test_values_are_strings_or_json(probe, value, text):
    assert value_text(value) == text
    assert probe.rt.call("t:get", "k", context={"k": value}) == text
    assert probe.rt.call("t:actor-meta", "k", actor=Actor("a", {"k": value})) == text


def test_missing_keys_are_none(probe):
    assert probe.rt.call("t:get", "nope", context={"k": "v"}) is None
    assert probe.rt.call("t:actor-meta", "nope", actor="a") is None
    assert probe.rt.call("t:actor-meta", "role") is None  # no actor at all


def test_lua_values_reach_the_guest_json_encoded(probe):
    probe.lua("top", """return { main = function()
        return funcs.new():with_context({n = 7, t = {x = true}}):call("t:get", "t") end }""",
              LUA_MODULES)
    assert probe.rt.call("t:top") == '{"x":true}'


def test_undeclared_context_is_a_stub_naming_the_profile(hosts):
    hosts.probe("who", "whoami")
    hosts.probe("plain-add", "add")
    assert any("wippy:runtime/context@0.1.0" in w and "`context`" in w
               for w in hosts.rt.warnings)
    with pytest.raises(UnlinkedImportError) as info:
        hosts.rt.call("t:who", actor="a")
    assert str(info.value) == (
        "t:who: wippy:runtime/context@0.1.0#actor-id is not available to this entry: the "
        "entry does not declare the `context` host profile; add `context` to imports")
    assert hosts.rt.call("t:plain-add", 2, 3) == 5
    detail = hosts.rt.targets["t:who"].info().detail["imports"]
    assert detail["stubbed"] == ["wippy:runtime/context@0.1.0"] and detail["linked"] == []


def test_declared_context_is_linked_and_needs_no_wasi(probe):
    target = probe.rt.targets["t:whoami"]
    assert target.info().detail["imports"]["linked"] == ["wippy:runtime/context@0.1.0"]
    assert target.link_plan.wasip2 is False


@pytest.mark.parametrize("token", ["context", "CONTEXT", "wippy:runtime/context",
                                   "wippy:runtime/context@0.1.0"])
def test_profile_resolution(token):
    assert resolve_token(token).id == "context"


def test_context_on_a_core_module_fails_the_load(hosts):
    with pytest.raises(LoadError, match="wasm host import requires component module: context"):
        hosts.rt.define({"id": "t:core", "kind": "function.wat", "method": "f",
                         "imports": ["context"],
                         "source": '(module (func (export "f") (result i32) i32.const 1))'})
    with pytest.raises(Exception, match="requires component module"):
        resolve_imports(["context"], component=False)


def test_fixture_wit_is_the_runtime_wit():
    runtime_wit = REPO / "runtime" / "wippy_runtime" / "wasm" / "wit" / "context.wit"
    assert (FIXTURES / "wit" / "deps" / "wippy" / "context.wit").read_text() == \
        runtime_wit.read_text()


# -- two calls deep ---------------------------------------------------------------------------

TOP = """
local function main(inner_target)
  local scope = security.new_scope({security.policy("t:chain")})
  local exec = funcs.new()
    :with_actor(security.new_actor("alice", {role = "admin"}))
    :with_scope(scope)
    :with_context({request_id = "r-1"})
  local v, err = exec:call("t:cs", inner_target, "payload")
  if err then return "error: " .. tostring(err) end
  return v
end
return { main = main }
"""

MID = """
local function main(input)
  local who, err = funcs.call("t:whoami")
  if err then error(err) end
  who.input = input
  who.lua_actor = security.actor():id()
  who.lua_role = security.actor():meta().role
  who.lua_request = ctx.get("request_id")
  who.lua_scope_has_chain = security.scope():contains("t:chain")
  return who
end
return { main = main }
"""


@pytest.fixture
def chain(hosts):
    """t:top (Lua) -> t:cs (hosts component, funcs import) -> t:mid (Lua) -> t:whoami
    (context probe)."""
    hosts.component("cs", "call-string", FUNCS)
    hosts.probe("whoami", "whoami", CONTEXT)
    hosts.lua("top", TOP, LUA_MODULES)
    hosts.lua("mid", MID, LUA_MODULES)
    return hosts


def test_actor_scope_context_seen_two_calls_deep(chain):
    policy(chain.rt, "chain", actions="funcs.call", resources=["t:cs", "t:mid", "t:whoami"])
    out = chain.rt.call("t:top", "t:mid")
    assert json.loads(out) == {
        "actor": "alice", "role": "admin", "request-id": "r-1",   # read by the inner guest
        "input": "payload",
        "lua_actor": "alice", "lua_role": "admin", "lua_request": "r-1",
        "lua_scope_has_chain": True,
    }
    # nothing leaks out of the executor's call
    assert chain.rt.call("t:whoami") == {"actor": None, "role": None, "request-id": None}


def test_scope_is_inherited_two_calls_deep(chain):
    """The Lua-made scope decides the innermost call: without `t:whoami` in it the guest at the
    bottom is never reached and the denial travels all the way up."""
    policy(chain.rt, "chain", actions="funcs.call", resources=["t:cs", "t:mid"])
    out = chain.rt.call("t:top", "t:mid")
    assert out.startswith("error: ")
    assert "permission denied: funcs.call on t:whoami for actor 'alice'" in out


def test_the_guests_own_target_is_checked_in_the_inherited_scope(chain):
    policy(chain.rt, "chain", actions="funcs.call", resources=["t:cs", "t:whoami"])
    out = chain.rt.call("t:top", "t:mid")
    # the err names the guest's entry (t:cs), then the denial of its own call
    assert out == "error: t:cs: permission denied: funcs.call on t:mid for actor 'alice'"


# -- policy through the funcs import ----------------------------------------------------------

@pytest.fixture
def guarded(hosts):
    hosts.component("cs", "call-string", FUNCS)
    hosts.component("cb", "call-bytes", FUNCS)
    hosts.lua("ok", "return { main = function(s) return 'ok:' .. s end }")
    hosts.lua("secret", "return { main = function(s) return 'secret:' .. s end }")
    return hosts


def _instance(hosts: Any, entry: str) -> Any:
    target = hosts.rt.targets[entry]
    pool = target.pool
    return pool.warm if getattr(pool, "warm", None) is not None else pool.idle_instances()


@pytest.mark.parametrize("entry,payload", [("t:cs", "x"), ("t:cb", b"x")])
def test_guest_denied_a_target_gets_err_and_keeps_working(guarded, entry, payload):
    ok = "ok:x"  # list<u8> results that are valid UTF-8 come back as str
    narrow = policy(guarded.rt, "narrow", actions="funcs.call", resources=[entry, "t:ok"])
    pool = guarded.rt.targets[entry].pool
    assert guarded.rt.call(entry, "t:ok", payload, actor="a", scope=[narrow]) == ok
    replaced = pool.replaced
    with pytest.raises(GuestError) as info:
        guarded.rt.call(entry, "t:secret", payload, actor="a", scope=[narrow])
    assert info.value.payload == \
        f"{entry}: permission denied: funcs.call on t:secret for actor 'a'"
    assert info.value.entry == entry
    # the calling instance was not discarded and still serves calls
    assert pool.replaced == replaced
    assert guarded.rt.call(entry, "t:ok", payload, actor="a", scope=[narrow]) == ok
    # a permitting scope lets the same guest reach the target
    wide = policy(guarded.rt, "wide", actions="funcs.call", resources="*")
    assert guarded.rt.call(entry, "t:secret", payload, actor="a", scope=[wide]) == "secret:x"


def test_deny_policy_overrides_allow_through_the_import(guarded):
    allow = policy(guarded.rt, "all", actions="*", resources="*")
    deny = policy(guarded.rt, "no_secret", effect="deny", actions="funcs.call",
                  resources="t:secret")
    assert guarded.rt.call("t:cs", "t:secret", "x", actor="a", scope=[allow]) == "secret:x"
    with pytest.raises(GuestError) as info:
        guarded.rt.call("t:cs", "t:secret", "x", actor="a", scope=[allow, deny])
    assert info.value.payload == "t:cs: permission denied: funcs.call on t:secret for actor 'a'"
    assert guarded.rt.call("t:cs", "t:ok", "y", actor="a", scope=[allow, deny]) == "ok:y"


def test_lua_scope_limits_what_its_guest_can_reach(guarded):
    policy(guarded.rt, "narrow", actions="funcs.call", resources=["t:cs", "t:ok"])
    guarded.lua("top", """return { main = function(target)
        local scope = security.new_scope({security.policy("t:narrow")})
        local exec = funcs.new():with_actor(security.new_actor("eve")):with_scope(scope)
        local v, err = exec:call("t:cs", target, "z")
        if err then return "err: " .. tostring(err) end
        return v end }""", LUA_MODULES)
    assert guarded.rt.call("t:top", "t:secret") == \
        "err: t:cs: permission denied: funcs.call on t:secret for actor 'eve'"
    assert guarded.rt.call("t:top", "t:ok") == "ok:z"
    assert guarded.rt.call("t:top", "t:secret") == \
        "err: t:cs: permission denied: funcs.call on t:secret for actor 'eve'"


def test_strict_mode_denies_a_guest_call_without_actor(guarded):
    """Strict mode with a scope but no actor: the outer call is refused before the guest
    runs; with an actor and a permitting scope the guest's call goes through."""
    allow = policy(guarded.rt, "all", actions="*", resources="*")
    guarded.rt.security.strict_mode = True
    try:
        with pytest.raises(CallError) as info:
            guarded.rt.call("t:cs", "t:ok", "x")
        assert info.value.kind == PERMISSION_DENIED
        assert str(info.value) == "t:cs: permission denied: funcs.call on t:cs " \
                                  "(no actor, strict mode)"
        assert guarded.rt.call("t:cs", "t:ok", "x", actor="a", scope=[allow]) == "ok:x"
    finally:
        guarded.rt.security.strict_mode = False
