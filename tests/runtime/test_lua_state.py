"""LuaState's public API for hosts that run their own Lua (the kernel's session state)."""

from __future__ import annotations

import threading
import time

import pytest
from wippy_runtime import Runtime
from wippy_runtime.errors import CANCELED, CallError, CompileError
from wippy_runtime.lua.state import CHUNK_LINE, LuaState

SPIN = "local n = 0 while true do n = n + 1 end"
COUNT = "local n = 0 for i = 1, 200000 do n = n + i end return n"


def test_try_compile_returns_lua_message_without_raising():
    state = LuaState()
    fn, err = state.try_compile("return 1 +", "cell[1]")
    assert fn is None and err.startswith("cell[1]:1:")
    m = CHUNK_LINE.match(err)
    assert m and m.group(1) == "1"
    fn, err = state.try_compile("return 2", "cell[2]")
    assert err is None and state.call(fn) == (2,)
    with pytest.raises(CompileError, match="line 1"):
        state.compile("return 1 +", "x", entry="t:x")


def test_host_state_with_guard_is_stopped_by_runtime_interrupt(runtime: Runtime):
    state = LuaState(guard=runtime.guard)
    fn = state.compile(SPIN, "cell", entry="cell")
    state.start_execution("cell")
    threading.Timer(0.1, runtime.interrupt).start()
    t0 = time.monotonic()
    with pytest.raises(CallError) as info:
        state.call(fn, entry="cell")
    assert time.monotonic() - t0 < 1.0
    assert info.value.kind == CANCELED and "interrupted" in str(info.value)
    # Until the next execution starts, the stale interrupt still applies ...
    count = state.compile(COUNT, "count", entry="count")
    with pytest.raises(CallError, match="interrupted"):
        state.call(count, entry="count")
    # ... end_execution disarms it (host-side Lua between executions), start_execution re-arms.
    state.end_execution()
    assert state.call(count) == (20000100000,)
    state.start_execution("cell")
    assert state.call(count) == (20000100000,)


def test_load_without_env_sees_the_globals():
    state = LuaState()
    fn = state.compile('return load("return tostring(1)")(), load("return x", "c", "t", {x = 2})()',
                       "load", entry="t:load")
    assert state.call(fn) == (b"1", 2)
