"""The `funcs` host: call-string / call-bytes from WASM into Lua and WASM entries, value
conversion, errors as the err side, and re-entrant calls back into the same component."""

from __future__ import annotations

import threading

import pytest
from wippy_runtime.wasm.host_funcs import to_text

FUNCS = ["funcs"]
INLINE = {"type": "inline"}


@pytest.fixture
def caller(hosts):
    hosts.component("cs", "call-string", FUNCS)
    hosts.component("cb", "call-bytes", FUNCS)
    return hosts


def test_call_string_into_lua(caller):
    caller.lua("upper", "return { main = function(s) return string.upper(s) .. '!' end }")
    assert caller.rt.call("t:cs", "t:upper", "hello wörld") == "HELLO WöRLD!"


def test_call_bytes_into_lua(caller):
    caller.lua("rev", "return { main = function(s) return string.reverse(s) end }")
    assert caller.rt.call("t:cb", "t:rev", b"\x01\x02\xff") in (b"\xff\x02\x01",)


def test_call_into_a_wasm_entry(caller):
    caller.rt.define({"id": "t:len", "kind": "function.wat", "method": "id", "wit":
                      "id: func(s: string) -> string;", "source": """(module
      (memory (export "memory") 1) (global $h (mut i32) (i32.const 1024))
      (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
        (local $p i32) (local.set $p (global.get $h))
        (global.set $h (i32.add (global.get $h) (local.get 3))) (local.get $p))
      (func (export "id") (param i32 i32) (result i32)
        (i32.store (i32.const 16) (local.get 0)) (i32.store (i32.const 20) (local.get 1))
        (i32.const 16)))"""})
    assert caller.rt.call("t:cs", "t:len", "through wasm") == "through wasm"


@pytest.mark.parametrize("lua_value,text", [
    ("nil", ""), ("true", "true"), ("42", "42"), ("2.5", "2.5"), ("2.0", "2"),
    ("{1, 2, 'x'}", '[1,2,"x"]'), ("{a = 1}", '{"a":1}'),
])
def test_result_values_become_text(caller, lua_value, text):
    caller.lua("v", f"return {{ main = function() return {lua_value} end }}")
    assert caller.rt.call("t:cs", "t:v", "") == text


@pytest.mark.parametrize("value,text", [(None, ""), (False, "false"), (1e21, "1e+21"),
                                        (float("inf"), "+Inf"), (b"\xff", "\ufffd"),
                                        ({"k": [1, None]}, '{"k":[1,null]}')])
def test_to_text(value, text):
    assert to_text(value) == text


@pytest.mark.parametrize("target,message", [
    ("no-colon", "invalid function target 'no-colon'"),
    ("t:missing", "t:missing: no such entry"),
])
def test_bad_targets_are_the_err_side(caller, target, message):
    from wippy_runtime.errors import GuestError

    with pytest.raises(GuestError) as info:
        caller.rt.call("t:cs", target, "x")
    assert message in info.value.payload


def test_callee_errors_are_the_err_side(caller):
    from wippy_runtime.errors import GuestError

    caller.lua("boom", "return { main = function() error('kaput') end }")
    with pytest.raises(GuestError) as info:
        caller.rt.call("t:cs", "t:boom", "x")
    assert "kaput" in info.value.payload and "t:boom" in info.value.payload
    caller.lua("ok", "return { main = function() return 'fine' end }")
    assert caller.rt.call("t:cs", "t:ok", "x") == "fine"  # the instance survived


def test_lua_calls_wasm_calls_lua(caller):
    caller.lua("inner", "return { main = function(s) return 'inner:' .. s end }")
    caller.lua("outer", """return { main = function()
        local v, err = funcs.call("t:cs", "t:inner", "x")
        return v or tostring(err) end }""")
    assert caller.rt.call("t:outer") == "inner:x"


def _run_with_timeout(fn, seconds=20.0):
    result: dict = {}

    def target():
        try:
            result["value"] = fn()
        except BaseException as exc:
            result["error"] = exc

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), "deadlock: the re-entrant call never returned"
    if "error" in result:
        raise result["error"]
    return result["value"]


def test_reentrant_call_into_another_entry_of_the_same_component(hosts):
    """component (entry cs) -> funcs -> Lua -> funcs.call -> entry `add` of the same binary,
    whose shared inline instance is busy in this very thread: must not deadlock."""
    hosts.component("cs", "call-string", FUNCS, pool=INLINE)
    hosts.component("add", "add", FUNCS, pool=INLINE)
    gate = hosts.rt.targets["t:cs"].pool.gate
    assert gate is not None and hosts.rt.targets["t:add"].pool.gate is gate
    hosts.lua("back", """return { main = function(s)
        local v, err = funcs.call("t:add", 40, 2)
        if err then return "error: " .. tostring(err) end
        return s .. v end }""")
    assert _run_with_timeout(lambda: hosts.rt.call("t:cs", "t:back", "answer=")) == "answer=42"
    # the shared instance is still the one serving both entries afterwards
    assert hosts.rt.call("t:add", 1, 2) == 3
    assert hosts.rt.call("t:cs", "t:back", "again=") == "again=42"


@pytest.mark.parametrize("pool", [INLINE, {"type": "lazy"}])
def test_reentrant_call_into_the_same_entry(hosts, pool):
    hosts.component("cs", "call-string", FUNCS, pool=pool)
    hosts.lua("again", """return { main = function(s)
        if s == "stop" then return "bottom" end
        local v, err = funcs.call("t:cs", "t:again", "stop")
        return v or tostring(err) end }""")
    assert _run_with_timeout(lambda: hosts.rt.call("t:cs", "t:again", "go")) == "bottom"


def test_other_threads_still_wait_for_the_group_lock(hosts):
    """The re-entrancy shortcut is per thread: another thread calling the group while it is
    busy waits for it instead of getting a private instance."""
    import time

    hosts.component("cs", "call-string", FUNCS, pool=INLINE)
    hosts.component("add", "add", FUNCS, pool=INLINE)
    hosts.lua("busy", """return { main = function(s)
        print("started")
        local n = 0
        for i = 1, 40000000 do n = n + 1 end
        return "busy done" end }""")
    order: list[str] = []
    a = threading.Thread(target=lambda: order.append(hosts.rt.call("t:cs", "t:busy", "")))
    a.start()
    deadline = time.monotonic() + 10
    while "started" not in hosts.stdout() and time.monotonic() < deadline:
        time.sleep(0.001)
    assert "started" in hosts.stdout()
    b = threading.Thread(target=lambda: order.append(f"add={hosts.rt.call('t:add', 1, 1)}"))
    b.start()
    b.join(0.05)
    assert b.is_alive() and a.is_alive()  # b waits for the group lock held by a
    a.join(30)
    b.join(30)
    assert order == ["busy done", "add=2"]


@pytest.mark.parametrize("pool", [INLINE, {"type": "lazy"}])
def test_lua_wasm_funcs_lua_chain_stays_on_the_callers_thread(hosts, pool):
    """Lua -> component -> `funcs` -> Lua: only the runtime's own hosts are real for this
    component, so a lone coroutine's call runs on its own thread (no hop to a worker)."""
    hosts.component("cs", "call-string", FUNCS, pool=pool)
    hosts.lua("leaf", "return { main = function(s) return 'leaf:' .. s end }")
    hosts.lua("top", """return { main = function()
        local v, err = funcs.call("t:cs", "t:leaf", "x")
        return v or tostring(err) end }""")
    rt = hosts.rt
    rt.tracer.start()
    try:
        assert rt.call("t:top") == "leaf:x"
    finally:
        rt.tracer.stop()
    (root,) = rt.tracer.trees()
    spans = [root, *root.children, *root.children[0].children]
    assert [s.entry for s in spans] == ["t:top", "t:cs", "t:leaf"]
    assert {s.thread for s in spans} == {threading.current_thread().name}
