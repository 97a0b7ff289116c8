"""The `store` module over `store.memory` entries, from Lua."""

from __future__ import annotations

import pytest
from wippy_runtime.errors import (
    CONFLICT,
    INTERNAL,
    INVALID,
    NOT_FOUND,
    PERMISSION_DENIED,
    CallError,
)


@pytest.fixture
def mem(rt):
    rt.define({"id": "app:mem", "kind": "store.memory", "max_size": 100})
    return "app:mem"


def test_store_object_has_methods_and_describes_itself(run, mem):
    out = run("""
local s, err = store.get("app:mem")
local r = {err == nil, tostring(s), type(s.get), type(s.set), type(s.release)}
s:release()
r[#r + 1] = tostring(s)
return r
""", ["store"])
    assert out == [True, "store.Store{}", "function", "function", "function",
                   "store.Store{released}"]


def test_values_round_trip_with_their_types(run, mem):
    out = run("""
local s = store.get("app:mem")
assert(s:set("k:str", "hello"))
assert(s:set("k:int", 12345))
assert(s:set("k:float", 1.5))
assert(s:set("k:bool", false))
assert(s:set("k:tbl", {name = "x", items = {1, 2, 3}}))
local t = s:get("k:tbl")
return {s:get("k:str"), s:get("k:int"), math.type(s:get("k:int")), s:get("k:float"),
        s:get("k:bool"), t.name, #t.items}
""", ["store"])
    assert out == ["hello", 12345, "integer", 1.5, False, "x", 3]


def test_values_persist_between_calls_and_instances(run, mem):
    run('store.get("app:mem"):set("p", {n = 1}) return true', ["store"])
    assert run('return store.get("app:mem"):get("p").n', ["store"]) == 1


def test_missing_key_has_and_delete(run, mem):
    out = run("""
local s = store.get("app:mem")
local v, err = s:get("nope")
s:set("d", 1)
local existed = s:has("d")
local deleted, derr = s:delete("d")
local again, aerr = s:delete("d")
return {v == nil, err:kind(), err:retryable(), existed, s:has("d"), deleted, derr == nil,
        again, aerr == nil}
""", ["store"])
    assert out == [True, NOT_FOUND, False, True, False, True, True, False, True]


def test_ttl_expires_a_key(run, mem):
    out = run("""
local s = store.get("app:mem")
s:set("ttl", "v", 0.05)
local before = s:has("ttl")
time.sleep("120ms")
return {before, s:has("ttl")}
""", ["store", "time"])
    assert out == [True, False]


def test_max_size_evicts_the_least_recently_used_key(run, rt):
    rt.define({"id": "app:small", "kind": "store.memory", "max_size": 2})
    out = run("""
local s = store.get("app:small")
s:set("a", 1); s:set("b", 2)
s:get("a")          -- a is now the most recently used
s:set("c", 3)       -- evicts b
return {s:has("a"), s:has("b"), s:has("c")}
""", ["store"])
    assert out == [True, False, True]


def test_released_store_fails_every_method_with_invalid(run, mem):
    out = run("""
local s = store.get("app:mem")
local a, b, c = s:release(), s:release(), s:release()
local kinds = {}
for _, m in ipairs({"get", "set", "has", "delete"}) do
  local _, err = s[m](s, "k", "v")
  kinds[#kinds + 1] = err:kind()
end
return {a, b, c, kinds}
""", ["store"])
    assert out == [True, True, True, [INVALID] * 4]


def test_get_errors(run, rt, mem):
    rt.define({"id": "app:dir_like", "kind": "security.policy",
               "policy": {"actions": "*", "resources": "*", "effect": "allow"}})
    out = run("""
local a, e1 = store.get("")
local b, e2 = store.get("app:none")
local c, e3 = store.get("app:dir_like")
local v, e4 = store.get("app:mem"):set("k", nil)
local w, e5 = store.get("app:mem"):get("")
return {a == nil, e1:kind(), b == nil, e2:kind(), c == nil, e3:kind(), e4:kind(), e5:kind()}
""", ["store"])
    assert out == [True, INVALID, True, INTERNAL, True, INVALID, INVALID, INVALID]


def test_bad_arguments_name_the_function_and_argument(run, mem):
    with pytest.raises(CallError) as info:
        run("return store.get(42)", ["store"])
    assert "store.get" in str(info.value) and "id" in str(info.value)
    with pytest.raises(CallError) as info:
        run('return store.get("app:mem"):get({})', ["store"])
    assert "store:get" in str(info.value) and "key" in str(info.value)
    with pytest.raises(CallError) as info:
        run('return store.get("app:mem").get("k")', ["store"])
    assert "store.Store:get" in str(info.value) and "method" in str(info.value)
    with pytest.raises(CallError) as info:
        run('return store.get("app:mem"):set("k", 1, "soon")', ["store"])
    assert "store:set" in str(info.value) and "ttl" in str(info.value)


def test_put_entry_list_and_info(run, mem):
    out = run("""
local s = store.get("app:mem")
local e1 = s:put("x:1", "a")
local e2, err = s:put("x:1", "b", {only_if_absent = true})
local e3 = s:put("x:1", "c", {if_version = e1.version})
s:set("x:2", 2); s:set("y:1", 3)
local page = s:list({prefix = "x:", limit = 1})
local info = s:info()
return {e1.value, err:kind(), e3.value, s:entry("x:1").value, #page.items, page.has_more,
        page.items[1].key, info.backend, info.ttl}
""", ["store"])
    assert out[0] == "a" and out[2] == "c" and out[3] == "c"
    assert out[4:] == [1, True, "x:1", "memory", True]
    assert out[1] == CONFLICT  # a failed condition is a conflict, not bad input


def test_permissions_store_get_and_key_access(run, mem, policy):
    allow = policy("allow_all")
    no_store = policy("no_store", actions="store.get", resources="app:mem", effect="deny")
    with pytest.raises(CallError) as info:
        run('return store.get("app:mem")', ["store"], actor="bob", scope=[allow, no_store])
    assert info.value.kind == PERMISSION_DENIED and "app:mem" in str(info.value)
    no_write = policy("no_write", actions="store.key.set", resources="app:mem",
                      effect="deny")
    with pytest.raises(CallError) as info:
        run('return store.get("app:mem"):set("k", 1)', ["store"], actor="bob",
            scope=[allow, no_write])
    assert info.value.kind == PERMISSION_DENIED and "store.key.set" in str(info.value)
    # reading is still allowed under that scope
    assert run('local v, e = store.get("app:mem"):has("k") return v', ["store"],
               actor="bob", scope=[allow, no_write]) is False
