"""limits.max_execution_ms and Runtime.interrupt() for WASM and Lua."""

import threading
import time

import pytest
from conftest import ADD_WAT, SPIN_WAT, lua, wat
from wippy_runtime.errors import CANCELED, TIMEOUT, CallError

# Every call test runs on both numeric call paths (compiled shim and ctypes).
pytestmark = pytest.mark.usefixtures("both_call_paths")

LUA_SPIN = "local function main() while true do end end return { main = main }"


def _interrupt_after(rt, delay):
    t = threading.Timer(delay, rt.interrupt)
    t.start()
    return t


def test_wasm_max_execution_ms_stops_infinite_loop(rt):
    wat(rt, "spin", SPIN_WAT, "spin", limits={"max_execution_ms": 100})
    t0 = time.monotonic()
    with pytest.raises(CallError) as info:
        rt.call("t:spin")
    elapsed = time.monotonic() - t0
    assert info.value.kind == TIMEOUT
    assert info.value.entry == "t:spin"
    assert "100 ms" in info.value.message
    assert 0.09 <= elapsed < 2.0
    # The trapped instance was replaced: the entry still answers (and times out again).
    assert rt.pool_stats()[0].replaced == 1


def test_wasm_limit_does_not_stop_fast_calls(rt):
    wat(rt, "add", ADD_WAT, "add", limits={"max_execution_ms": 50})
    for _ in range(200):
        assert rt.call("t:add", 2, 3) == 5
    time.sleep(0.1)
    assert rt.call("t:add", 2, 3) == 5


@pytest.mark.parametrize("pool", [None, {"type": "lazy", "max_size": 2}])
def test_wasm_interrupt_stops_infinite_loop(rt, pool):
    extra = {"pool": pool} if pool else {}
    wat(rt, "spin", SPIN_WAT, "spin", **extra)
    wat(rt, "add", ADD_WAT, "add")
    _interrupt_after(rt, 0.1)
    t0 = time.monotonic()
    with pytest.raises(CallError) as info:
        rt.call("t:spin")
    assert time.monotonic() - t0 < 2.0
    assert info.value.kind == CANCELED
    assert info.value.entry == "t:spin"
    assert "interrupted" in str(info.value)
    # The runtime stays usable, including other stores that were idle during the interrupt.
    assert rt.call("t:add", 1, 2) == 3
    time.sleep(0.05)
    assert rt.call("t:add", 1, 2) == 3


def test_interrupt_when_idle_does_not_break_later_calls(rt):
    wat(rt, "add", ADD_WAT, "add")
    rt.interrupt()
    assert rt.call("t:add", 4, 5) == 9
    lua(rt, "l", "return { main = function() return 7 end }")
    rt.interrupt()
    assert rt.call("t:l") == 7


def test_lua_max_execution_ms_stops_infinite_loop(rt):
    lua(rt, "spin", LUA_SPIN, limits={"max_execution_ms": 100})
    t0 = time.monotonic()
    with pytest.raises(CallError) as info:
        rt.call("t:spin")
    assert 0.09 <= time.monotonic() - t0 < 2.0
    assert info.value.kind == TIMEOUT
    assert info.value.entry == "t:spin"
    assert "max_execution_ms (100 ms)" in info.value.message


def test_lua_interrupt_stops_infinite_loop_and_state_stays_usable(rt):
    lua(rt, "spin", "local n = 0\nlocal function main(stop)\n n = n + 1\n"
        " if stop then return n end\n while true do end end return { main = main }")
    _interrupt_after(rt, 0.1)
    t0 = time.monotonic()
    with pytest.raises(CallError) as info:
        rt.call("t:spin")
    assert time.monotonic() - t0 < 2.0
    assert info.value.kind == CANCELED
    assert "interrupted" in str(info.value)
    assert rt.call("t:spin", True) == 2


def test_lua_limit_surfaces_through_funcs_call(rt):
    lua(rt, "spin", LUA_SPIN, limits={"max_execution_ms": 50})
    lua(rt, "outer", "local function main() local v, err = funcs.call('t:spin')\n"
        " return err:kind() end return { main = main }", modules=["funcs"])
    assert rt.call("t:outer") == TIMEOUT


def test_bad_lua_limit_is_rejected(rt):
    with pytest.raises(Exception, match="max_execution_ms"):
        lua(rt, "bad", LUA_SPIN, limits={"max_execution_ms": -1})
