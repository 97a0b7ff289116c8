"""The compiled call shim against the ctypes path: same values, errors, traps and limits."""

from __future__ import annotations

import threading

import pytest
import wasmtime
from wippy_runtime import CallError, Runtime
from wippy_runtime.errors import CANCELED, TIMEOUT
from wippy_runtime.wasm import _fastcall, fastcall
from wippy_runtime.wasm.core_call import make_core_caller

# One export per numeric shape the shim converts inline, each computing something so a wrong
# conversion shows: sums, negation, widening, and a two-result function.
NUMERIC = """(module
  (func (export "add32") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "add64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.add)
  (func (export "mulf32") (param f32 f32) (result f32) local.get 0 local.get 1 f32.mul)
  (func (export "divf64") (param f64 f64) (result f64) local.get 0 local.get 1 f64.div)
  (func (export "neg8") (param i32) (result i32) i32.const 0 local.get 0 i32.sub)
  (func (export "not") (param i32) (result i32) local.get 0 i32.eqz)
  (func (export "add_u") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "swap") (param i32 i32) (result i32 i32) local.get 1 local.get 0)
  (func (export "boom") (result i32) unreachable)
  (func (export "spin") (result i32) (loop $l (br $l)) i32.const 0))
"""
WIT = {
    "add32": "add32: func(a: s32, b: s32) -> s32;",
    "add64": "add64: func(a: s64, b: s64) -> s64;",
    "mulf32": "mulf32: func(a: f32, b: f32) -> f32;",
    "divf64": "divf64: func(a: f64, b: f64) -> f64;",
    "neg8": "neg8: func(a: s8) -> s8;",
    "not": "not: func(a: bool) -> bool;",
    "swap": None,  # no wit: inferred (s32, s32) -> two results
    "add_u": "add_u: func(a: u32, b: u16) -> u32;",
}
CASES = [
    ("add32", (6, 7)), ("add32", (2**31 - 1, 1)), ("add64", (2**62, 2**62 - 1)),
    ("add64", (-(2**63), -1)), ("mulf32", (1.5, 0.1)), ("divf64", (1.0, 3.0)),
    ("neg8", (-128,)), ("neg8", (5,)), ("not", (True,)), ("not", (False,)),
    ("swap", (5, -6)), ("add_u", (2**32 - 2, 1)), ("add_u", (0, 65535)),
    # values the shim does not convert inline: handed to the ctypes caller, which converts
    ("divf64", (1, 4)), ("mulf32", (3, 2.0)),
]
BAD = [
    ("add32", ("x", 1)), ("add32", (2**31, 0)), ("add32", (1,)), ("add32", (1, 2, 3)),
    ("neg8", (200,)), ("not", (1,)), ("add_u", (-1, 0)), ("add_u", (0, 65536)), ("add64", (2**63, 0)),
    ("divf64", ("1.0", 2.0)),
]


def _runtime(tmp_path, path: str) -> Runtime:
    fastcall.set_active(path == "compiled")
    rt = Runtime(cache_dir=tmp_path / path)
    for method, wit in WIT.items():
        entry = {"id": f"n:{method}", "kind": "function.wat", "source": NUMERIC,
                 "method": method}
        if wit:
            entry["wit"] = wit
        rt.define(entry)
    for method in ("boom", "spin"):
        rt.define({"id": f"n:{method}", "kind": "function.wat", "source": NUMERIC,
                   "method": method, "limits": {"max_execution_ms": 100}})
    return rt


@pytest.fixture
def both(tmp_path):
    before = fastcall.ACTIVE
    rts = {path: _runtime(tmp_path, path) for path in ("compiled", "ctypes")}
    fastcall.set_active(before)
    yield rts
    for rt in rts.values():
        rt.close()


def _outcome(rt: Runtime, method: str, args: tuple) -> tuple[str, object]:
    try:
        return "ok", rt.call(f"n:{method}", *args)
    except CallError as exc:
        return exc.kind, str(exc)


def test_compiled_path_is_built_and_active():
    """The test environment has a C compiler, so installation built the shim and it is used."""
    assert _fastcall is not None, fastcall.reason
    assert fastcall.ACTIVE, fastcall.reason
    assert fastcall.describe().startswith("compiled")


def test_numeric_exports_get_the_shim_only_when_active():
    engine = wasmtime.Engine()
    module = wasmtime.Module(engine, NUMERIC)
    before = fastcall.ACTIVE
    try:
        for active in (True, False):
            fastcall.set_active(active)
            store = wasmtime.Store(engine)
            exports = wasmtime.Instance(store, module, []).exports(store)
            add = make_core_caller(store, exports["add32"], [("a", "s32"), ("b", "s32")], ["s32"])
            assert isinstance(add, _fastcall.Caller) is active
            assert add((20, 22)) == 42
            # char is left to Python on both paths
            ch = make_core_caller(store, exports["neg8"], [("a", "s32")], ["char"])
            assert not isinstance(ch, _fastcall.Caller)
    finally:
        fastcall.set_active(before)


@pytest.mark.parametrize("method,args", CASES)
def test_values_are_identical_on_both_paths(both, method, args):
    compiled = _outcome(both["compiled"], method, args)
    ctypes_ = _outcome(both["ctypes"], method, args)
    assert compiled == ctypes_
    assert compiled[0] == "ok"


def test_values_are_the_wasm_results(both):
    rt = both["compiled"]
    assert rt.call("n:add32", 2**31 - 1, 1) == -(2**31)  # i32 wraps
    assert rt.call("n:neg8", -128) == -128  # s8 lifting wraps back into range
    assert rt.call("n:not", False) is True
    assert rt.call("n:swap", 5, -6) == [-6, 5]
    assert rt.call("n:add_u", 2**32 - 2, 1) == 2**32 - 1  # u32 lifts unsigned
    assert rt.call("n:divf64", 1.0, 4.0) == 0.25


@pytest.mark.parametrize("method,args", BAD)
def test_argument_errors_are_identical_on_both_paths(both, method, args):
    compiled = _outcome(both["compiled"], method, args)
    assert compiled == _outcome(both["ctypes"], method, args)
    assert compiled[0] != "ok" and f"n:{method}" in str(compiled[1])


def test_traps_are_identical_and_the_instance_is_replaced(both):
    outcomes = {path: _outcome(rt, "boom", ()) for path, rt in both.items()}
    assert outcomes["compiled"] == outcomes["ctypes"]
    assert "unreachable" in str(outcomes["compiled"][1])
    for rt in both.values():
        assert rt.targets["n:boom"].pool.stats().replaced == 1
        assert rt.call("n:add32", 1, 2) == 3


def test_timeouts_are_identical(both):
    outcomes = {path: _outcome(rt, "spin", ()) for path, rt in both.items()}
    assert outcomes["compiled"][0] == outcomes["ctypes"][0] == TIMEOUT
    assert outcomes["compiled"][1] == outcomes["ctypes"][1]


@pytest.mark.parametrize("path", ["compiled", "ctypes"])
def test_interrupt_stops_a_loop_on_either_path(tmp_path, path):
    before = fastcall.ACTIVE
    try:
        rt = _runtime(tmp_path, path)
        rt.define({"id": "n:forever", "kind": "function.wat", "source": NUMERIC,
                   "method": "spin"})
        threading.Timer(0.1, rt.interrupt).start()
        kind, message = _outcome(rt, "forever", ())
        assert kind == CANCELED and "interrupted" in str(message)
        assert rt.call("n:add32", 20, 22) == 42
        rt.close()
    finally:
        fastcall.set_active(before)


def test_funcs_call_from_lua_reaches_the_shim(both):
    for rt in both.values():
        rt.define({"id": "n:lua", "kind": "function.lua", "modules": ["funcs"], "method": "main",
                   "source": "return { main = function() local s = 0 for i = 1, 100 do "
                             "s = s + funcs.call('n:add32', i, 1) end "
                             "local v, err = funcs.call('n:add32', 'x', 1) "
                             "return {s, tostring(err)} end }"})
    results = [rt.call("n:lua") for rt in both.values()]
    assert results[0] == results[1]
    assert results[0][0] == sum(range(2, 102))
    assert "argument 1" in results[0][1]


def test_wippy_version_names_the_active_call_path():
    import os
    import subprocess
    import sys

    def version(env_extra: dict[str, str]) -> str:
        env = {**os.environ, **env_extra}
        done = subprocess.run([sys.executable, "-m", "wippy_runtime", "--version"],
                              capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "call path: compiled" in version({})
    assert "call path: ctypes (WIPPY_CALL_PATH=ctypes)" in version({"WIPPY_CALL_PATH": "ctypes"})
