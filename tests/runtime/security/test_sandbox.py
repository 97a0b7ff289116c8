"""Escape attempts from Lua. Each asserts the specific failure, then that the runtime still
serves a healthy entry (the attempt cost nothing but its own call)."""

from __future__ import annotations

import pytest
from sec_helpers import lua
from wippy_runtime import Runtime
from wippy_runtime.errors import CallError

HEALTHY = "local function main(a, b) return a + b end return { main = main }"


def attempt(rt, body: str, *args, modules=("funcs", "security", "ctx")):
    lua(rt, "app:attempt", f"local function main(...) {body} end return {{ main = main }}",
        modules=modules)
    return rt.call("app:attempt", *args)


def assert_healthy(rt):
    lua(rt, "app:healthy", HEALTHY)
    assert rt.call("app:healthy", 2, 3) == 5


@pytest.mark.parametrize("name", ["io", "debug", "dofile", "loadfile", "collectgarbage",
                                  "package", "python", "loadstring", "rawlen"])
def test_removed_globals_are_nil(rt, name):
    assert attempt(rt, f"return {name} == nil") is True
    assert_healthy(rt)


def test_os_has_only_time_clock_date_difftime_and_platform(rt):
    out = attempt(rt, "local k = {} for n in pairs(os) do k[#k + 1] = n end table.sort(k) "
                      "return k")
    assert out == ["clock", "date", "difftime", "platform", "time"]
    with pytest.raises(CallError, match="attempt to call a nil value \\(field 'execute'\\)"):
        attempt(rt, "return os.execute('true')")
    assert_healthy(rt)


def test_require_of_unlisted_module_fails(rt):
    with pytest.raises(CallError, match="module 'io' not found"):
        attempt(rt, "return require('io')")
    assert_healthy(rt)


def test_bytecode_load_is_refused(rt):
    with pytest.raises(CallError, match="load: only text chunks are allowed"):
        attempt(rt, "return load(string.dump(function() return 1 end), 'x', 'b')")
    with pytest.raises(CallError, match="load: bytecode is not allowed"):
        attempt(rt, "return load(string.dump(function() return 1 end))")
    out = attempt(rt, """
local dumped = string.dump(function() return 1 end)
local sent = false
local f, err = load(function() if sent then return nil end sent = true return dumped end)
return {f == nil, err}
""")
    assert out[0] is True and "attempt to load a binary chunk" in out[1]
    assert attempt(rt, "return load('return 40 + 2')()") == 42
    assert_healthy(rt)


def test_python_objects_expose_no_attributes(rt):
    # funcs.call and funcs.async are Lua wrappers around hidden Python callables; an
    # Executor is a locked Lua face over a hidden Python object (only its methods are there).
    assert attempt(rt, "return {type(funcs.async), type(funcs.new)}") == ["function", "function"]
    # an Executor face reads any field but its methods as nil (as Wippy's userdata do); the
    # Python object behind it is unreachable
    for expr in ("funcs.new().__class__", "funcs.new()._py", "funcs.new()._call",
                 "funcs.new()._security"):
        assert attempt(rt, f"return {{v = {expr}}}") == {}, expr
    assert attempt(rt, "return type(funcs.new().with_actor)") == "function"
    # Python objects handed to Lua deny every attribute but their methods
    for expr in ("errors.new('x').__class__", "security.new_actor('a').plain",
                 "security.new_actor('a').lua", "security.new_scope().plain"):
        with pytest.raises(CallError, match="access denied"):
            attempt(rt, f"return {expr}")
    assert_healthy(rt)


def test_python_objects_cannot_be_written(rt):
    with pytest.raises(CallError, match="access denied"):
        attempt(rt, "local e = funcs.new() e.with_actor = 1")
    assert_healthy(rt)


def test_python_object_metatable_is_hidden(rt):
    assert attempt(rt, "return getmetatable(errors.new('x'))") is False
    assert attempt(rt, "return getmetatable(funcs.new())") is False
    assert attempt(rt, "return getmetatable(security.new_actor('a'))") is False
    with pytest.raises(CallError, match="cannot change a protected metatable|bad argument"):
        attempt(rt, "setmetatable(funcs.new(), {})")
    # a host function still works after the attempts
    lua(rt, "app:leaf", "local function main() return 9 end return { main = main }")
    assert attempt(rt, "return funcs.call('app:leaf')") == 9
    assert_healthy(rt)


def test_error_values_from_python_failures_give_no_access(rt):
    out = attempt(rt, """
local ex = funcs.new()
local ok, e = pcall(ex.with_actor, ex, nil)
local ok2, inner = pcall(function() return e.__traceback__ end)
return {ok, type(e), tostring(e), ok2, tostring(inner)}
""")
    assert out[0] is False and out[1] == "userdata"
    assert "actor cannot be nil" in out[2]
    assert out[3] is False and "access denied" in out[4]
    assert_healthy(rt)


def test_coroutines_see_the_same_sandbox(rt):
    out = attempt(rt, """
local co = coroutine.create(function() return io, debug, getmetatable(errors.new('x')) end)
local ok, a, b, c = coroutine.resume(co)
return {ok, a == nil, b == nil, c}
""")
    assert out == [True, True, True, False]
    assert_healthy(rt)


def test_gc_finalizers_are_refused(rt):
    with pytest.raises(CallError, match="__gc metamethods are not supported"):
        attempt(rt, "setmetatable({}, {__gc = function() while true do end end})")
    assert_healthy(rt)


def test_string_rep_bomb_hits_the_memory_cap(rt):
    with pytest.raises(CallError, match=r"Lua memory limit exceeded \(64 MiB\)") as info:
        attempt(rt, "return #string.rep('x', 2^30)")
    assert info.value.entry == "app:attempt"
    # the same instance serves the next call
    assert attempt(rt, "return #string.rep('x', 1000)") == 1000
    assert_healthy(rt)


def test_concatenation_bomb_hits_the_memory_cap(rt):
    with pytest.raises(CallError, match="Lua memory limit exceeded") as info:
        attempt(rt, "local s = 'xy' for i = 1, 40 do s = s .. s end return #s")
    assert info.value.entry == "app:attempt"
    assert_healthy(rt)


def test_table_bomb_hits_the_memory_cap(rt):
    with pytest.raises(CallError, match="Lua memory limit exceeded"):
        attempt(rt, "local t = {} for i = 1, 1e9 do t[i] = {i} end")
    assert_healthy(rt)


def test_memory_cap_is_configurable():
    rt = Runtime(cache_dir=False, lua_max_memory=8 * 1024 * 1024)
    try:
        with pytest.raises(CallError, match=r"Lua memory limit exceeded \(8 MiB\)"):
            attempt(rt, "return #string.rep('x', 16 * 1024 * 1024)")
        rt.security.lua_max_memory = 64 * 1024 * 1024
        lua(rt, "app:big", "local function main() return #string.rep('x', 16 * 1024 * 1024) end "
                           "return { main = main }")
        assert rt.call("app:big") == 16 * 1024 * 1024
    finally:
        rt.close()


def test_huge_string_rep_count_is_refused(rt):
    with pytest.raises(CallError, match="resulting string too large"):
        attempt(rt, "return string.rep('x', 2^62)")
    assert_healthy(rt)


def test_endless_recursion_through_funcs_call_fails_cleanly(rt):
    lua(rt, "app:rec", "local function main(n) local v, e = funcs.call('app:rec', n + 1) "
                       "if e then return nil, e end return v end return { main = main }")
    with pytest.raises(CallError) as info:
        rt.call("app:rec", 0)
    assert info.value.entry == "app:rec"
    assert_healthy(rt)
