"""funcs.call and Runtime.call: traps, recovery, replacement, Lua values, pools, the cache."""

from __future__ import annotations

import threading
import time

import pytest
from wippy_runtime import CallError, Runtime
from wippy_runtime.errors import INTERNAL, INVALID, NOT_FOUND, TrapError

# Every call test runs on both numeric call paths (compiled shim and ctypes).
pytestmark = pytest.mark.usefixtures("both_call_paths")

TRAPS = """(module
  (memory 1)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func (export "boom") (result i32) unreachable)
  (func (export "oob") (result i32) i32.const 999999 i32.load)
  (func (export "spin") (param i32) (result i32) (local i32)
    (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.lt_s (local.get 1) (local.get 0))))
    local.get 1))
"""


def wat(runtime, name, source, method, wit=None, pool=None):
    entry = {"id": f"t:{name}", "kind": "function.wat", "source": source, "method": method}
    if wit:
        entry["wit"] = wit
    if pool:
        entry["pool"] = pool
    return runtime.define(entry)


def lua(runtime, name, source, method="main", **extra):
    return runtime.define({"id": f"t:{name}", "kind": "function.lua", "source": source,
                           "method": method, "modules": ["funcs", "json"], **extra})


@pytest.mark.parametrize("pool", [{"type": "inline"}, {"type": "lazy"}, {"type": "static", "size": 2, "workers": 2}])
@pytest.mark.parametrize("method,args,message", [
    ("div", (1, 0), "wasm trap: integer divide by zero"),
    ("boom", (), "wasm trap: wasm `unreachable` instruction executed"),
    ("oob", (), "wasm trap: out of bounds memory access"),
])
def test_trap_returns_nil_err_to_lua_and_next_call_works(runtime, pool, method, args, message):
    wat(runtime, method, TRAPS, method, pool=pool)
    lua(runtime, "caller", """
      return { main = function(id, ...)
        local v, err = funcs.call(id, ...)
        return { v = v, err = err and tostring(err), kind = err and err:kind() }
      end }""")
    out = runtime.call("t:caller", f"t:{method}", *args)
    assert "v" not in out
    assert message in out["err"] and f"t:{method}" in out["err"]
    assert out["kind"] == INTERNAL
    stats = runtime.targets[f"t:{method}"].pool.stats()
    assert stats.errors == 1 and stats.replaced == 1
    if method == "div":
        assert runtime.call("t:div", 84, 2) == 42
    with pytest.raises(TrapError, match="wasm trap"):
        runtime.call(f"t:{method}", *args)


def test_unknown_entry_and_bad_ids_from_lua(runtime):
    lua(runtime, "caller", """
      return { main = function(id)
        local v, err = funcs.call(id)
        return { err = tostring(err), kind = err:kind() }
      end }""")
    assert runtime.call("t:caller", "t:nope") == {"err": "t:nope: no such entry",
                                                  "kind": NOT_FOUND}
    out = runtime.call("t:caller", "no-colon")
    assert out["kind"] == INVALID and "namespace:name" in out["err"]


def test_argument_errors_name_parameter_type_and_value(runtime):
    wat(runtime, "add", '(module (func (export "add") (param i32 i32) (result i32) '
        'local.get 0 local.get 1 i32.add))', "add", wit="add: func(a: s32, b: u8) -> s32;")
    with pytest.raises(CallError) as info:
        runtime.call("t:add", 1, "x")
    assert str(info.value) == 't:add: argument 2 (b: u8): expected u8, got string "x"'
    assert info.value.kind == INVALID
    with pytest.raises(CallError, match=r"value 256 out of range for u8 \(0..255\)"):
        runtime.call("t:add", 1, 256)
    with pytest.raises(CallError, match="expected 2 arguments, got 3"):
        runtime.call("t:add", 1, 2, 3)
    with pytest.raises(CallError, match="expected s32, got boolean true"):
        runtime.call("t:add", True, 2)
    assert runtime.call("t:add", 2.0, 3) == 5  # integral floats are integers


def test_unsigned_and_small_results_are_lifted(runtime):
    wat(runtime, "id32", '(module (func (export "f") (param i32) (result i32) local.get 0))', "f",
        wit="f: func(x: u32) -> u32;")
    assert runtime.call("t:id32", 4_000_000_000) == 4_000_000_000
    wat(runtime, "s8", '(module (func (export "f") (result i32) i32.const 255))', "f",
        wit="f: func() -> s8;")
    assert runtime.call("t:s8") == -1
    wat(runtime, "u64", '(module (func (export "f") (result i64) i64.const -1))', "f",
        wit="f: func() -> u64;")
    with pytest.raises(CallError, match="overflows a Lua integer"):
        runtime.call("t:u64")


def test_lua_values_cross_faithfully(runtime):
    lua(runtime, "echo", "return { main = function(...) return {...} end }")
    lua(runtime, "caller", """
      return { main = function()
        local r = funcs.call("t:echo", 1, 2.5, "s", true, {1, 2, 3}, {a = 1, b = {c = "d"}}, {})
        return {
          int = math.type(r[1]), float = math.type(r[2]), s = r[3], b = r[4],
          arr = #r[5], obj = r[6].b.c, json = json.encode(r[6]),
        }
      end }""")
    out = runtime.call("t:caller")
    assert out == {"int": "integer", "float": "float", "s": "s", "b": True, "arr": 3,
                   "obj": "d", "json": out["json"]}
    assert out["json"] in ('{"a":1,"b":{"c":"d"}}', '{"b":{"c":"d"},"a":1}')
    value = runtime.call("t:echo", 1, [1, 2], {"k": [True, None, 3]}, b"\xff\xfe")
    assert value == [1, [1, 2], {"k": {1: True, 3: 3}}, b"\xff\xfe"]


def test_lua_error_and_returned_error(runtime):
    lua(runtime, "raises", "return { main = function() error('kaboom') end }")
    lua(runtime, "returns", """return { main = function()
        return nil, errors.new({message = 'not here', kind = errors.NOT_FOUND}) end }""")
    lua(runtime, "caller", """return { main = function(id)
        local v, err = funcs.call(id)
        return { err = tostring(err), kind = err:kind() } end }""")
    out = runtime.call("t:caller", "t:raises")
    assert "kaboom" in out["err"] and "t:raises" in out["err"]
    assert runtime.call("t:caller", "t:returns") == {"err": "not here", "kind": NOT_FOUND}
    with pytest.raises(CallError, match="kaboom"):
        runtime.call("t:raises")


def test_lua_recursion_through_funcs_call(runtime):
    lua(runtime, "fact", """return { main = function(n)
        if n <= 1 then return 1 end
        return n * funcs.call("t:fact", n - 1) end }""", pool={"type": "inline"})
    assert runtime.call("t:fact", 10) == 3628800


def test_instances_are_reused(runtime):
    lua(runtime, "counter", """
      local calls = 0
      return { main = function() calls = calls + 1; return calls end }""",
        pool={"type": "inline"})
    assert [runtime.call("t:counter") for _ in range(3)] == [1, 2, 3]
    stats = runtime.targets["t:counter"].pool.stats()
    assert stats.instances == 1 and stats.calls == 3 and stats.type == "inline"


def test_pool_selection_follows_wippy_defaults(runtime):
    src = '(module (func (export "f") (result i32) i32.const 1))'
    plans = {}
    for name, pool in {"implicit": None, "lazy": {"type": "lazy"},
                       "static": {"type": "static", "size": 3, "workers": 3},
                       "auto_static": {"workers": 2, "size": 2},
                       "adaptive": {"type": "adaptive", "max_size": 5},
                       "inline": {"type": "inline"}}.items():
        wat(runtime, name, src, "f", pool=pool)
        plans[name] = runtime.targets[f"t:{name}"].pool.plan
    assert (plans["implicit"].type, plans["implicit"].max_instances) == ("lazy", 100)
    assert (plans["lazy"].type, plans["lazy"].max_instances) == ("lazy", 16)
    assert (plans["static"].type, plans["static"].max_instances) == ("static", 3)
    assert plans["static"].queue_size == 3 * 64
    assert plans["auto_static"].type == "static"
    assert (plans["adaptive"].type, plans["adaptive"].max_instances) == ("adaptive", 5)
    assert plans["inline"].type == "inline"
    assert runtime.targets["t:static"].pool.stats().instances == 3  # static pools start full


def test_replacement_while_calls_are_in_flight(runtime):
    spin = TRAPS.replace("(local.get 1))", "(local.get 1))")  # same module, spin returns n
    wat(runtime, "slow", spin, "spin", pool={"type": "lazy"})
    old_target = runtime.targets["t:slow"]
    results = []
    started = threading.Event()

    def long_call():
        started.set()
        results.append(runtime.call("t:slow", 400_000_000))

    thread = threading.Thread(target=long_call)
    thread.start()
    started.wait()
    deadline = time.monotonic() + 5
    while old_target.pool.stats().busy == 0 and time.monotonic() < deadline:
        time.sleep(0.001)
    assert old_target.pool.stats().busy == 1, "the long call should be running"
    wat(runtime, "slow", '(module (func (export "spin") (param i32) (result i32) i32.const -1))',
        "spin", pool={"type": "lazy"})
    assert runtime.call("t:slow", 5) == -1  # new generation serves while the old call runs
    assert old_target.pool.stats().retired
    thread.join(timeout=60)
    assert results == [400_000_000]  # the in-flight call finished on the old generation
    assert old_target.pool.closed and old_target.pool.stats().instances == 0
    assert runtime.targets["t:slow"].pool.generation == 2


def test_failed_replacement_keeps_old_version_serving(runtime):
    wat(runtime, "v", '(module (func (export "f") (result i32) i32.const 1))', "f")
    with pytest.raises(Exception, match="invalid WAT"):
        wat(runtime, "v", "(module (func (export", "f")
    assert runtime.call("t:v") == 1


def test_replacing_a_library_rebuilds_its_importers(runtime):
    runtime.define({"id": "t:lib", "kind": "library.lua", "source": "return { v = 1 }"})
    lua(runtime, "user", "return { main = function() return lib.v end }",
        imports={"lib": "t:lib"})
    assert runtime.call("t:user") == 1
    runtime.define({"id": "t:lib", "kind": "library.lua", "source": "return { v = 2 }"})
    assert runtime.call("t:user") == 2


def test_sandbox_has_no_python_or_io(runtime):
    lua(runtime, "probe", """return { main = function()
        local ok1 = pcall(function() return funcs.call.__globals__ end)
        return { python = type(python), io = type(io), os_exec = type(os.execute),
                 debug = type(debug), time = type(os.time), globals_ok = ok1 } end }""")
    assert runtime.call("t:probe") == {"python": "nil", "io": "nil", "os_exec": "nil",
                                       "debug": "nil", "time": "function", "globals_ok": False}


def test_print_goes_to_runtime_output(tmp_path):
    lines = []
    rt = Runtime(cache_dir=False, output=lines.append)
    rt.define({"id": "t:p", "kind": "function.lua", "method": "main",
               "source": "return { main = function() print('hi', 1, nil) end }"})
    rt.call("t:p")
    assert lines == ["hi\t1\tnil\n"]
    rt.close()


def test_compile_cache_second_start_does_not_recompile(tmp_path):
    cache = tmp_path / "cache"
    src = '(module (func (export "f") (result i32) i32.const 5))'
    first = Runtime(cache_dir=cache)
    wat(first, "c", src, "f")
    assert (first.wasm.cache.stats.hits, first.wasm.cache.stats.misses) == (0, 1)
    first.close()
    second = Runtime(cache_dir=cache)
    wat(second, "c", src, "f")
    assert (second.wasm.cache.stats.hits, second.wasm.cache.stats.misses) == (1, 0)
    assert second.call("t:c") == 5
    second.close()


def test_compile_cache_rejects_corrupt_entries(tmp_path):
    cache = tmp_path / "cache"
    src = '(module (func (export "f") (result i32) i32.const 6))'
    first = Runtime(cache_dir=cache)
    wat(first, "c", src, "f")
    first.close()
    (blob,) = cache.glob("*.cwasm")
    data = bytearray(blob.read_bytes())
    data[-10] ^= 0xFF  # flip a byte of the machine code
    blob.write_bytes(bytes(data))
    again = Runtime(cache_dir=cache)
    wat(again, "c", src, "f")
    assert again.wasm.cache.stats.rejected == 1 and again.wasm.cache.stats.misses == 1
    assert again.call("t:c") == 6
    again.close()
    third = Runtime(cache_dir=cache)
    wat(third, "c", src, "f")
    assert third.wasm.cache.stats.hits == 1  # rebuilt and rewritten
    third.close()


# -- the pipeline itself (calls.py) ------------------------------------------------------


def _allow(runtime, actions, resources):
    import yaml

    body = {"actions": actions, "resources": resources, "effect": "allow"}
    runtime.load_text(yaml.safe_dump({"namespace": "p", "entries": [
        {"name": "only", "kind": "security.policy", "policy": body}]}))
    return "p:only"


def test_authorize_judges_any_action_against_the_callers_context(runtime):
    """The one permission step is an extension point: any action, the caller's context."""
    from wippy_runtime.errors import PERMISSION_DENIED
    from wippy_runtime.security.context import call_in

    only = _allow(runtime, "fs.get", "app:data")
    ctx = runtime.security.context_for("alice", [only])
    calls = runtime.calls
    assert call_in(ctx, calls.authorize, "fs.get", "app:data") is None
    denied = call_in(ctx, calls.authorize, "process.spawn", "app:worker")
    assert denied is not None and denied.kind == PERMISSION_DENIED
    assert denied.entry == "app:worker" and "process.spawn" in denied.message
    # without any context (and strict mode off) everything is allowed
    assert calls.authorize("process.spawn", "app:worker") is None


def test_a_denied_call_is_reported_against_the_entry_it_names(runtime):
    wat(runtime, "add", '(module (func (export "add") (param i32 i32) (result i32) '
        'local.get 0 local.get 1 i32.add))', "add")
    only = _allow(runtime, "funcs.call", "t:other")
    ctx = runtime.security.context_for("bob", [only])
    with pytest.raises(CallError) as info:
        runtime.calls.call("t:add", (1, 2), ctx=ctx, reported_as="t:guest")
    assert info.value.entry == "t:guest" and "funcs.call on t:add" in info.value.message
    assert runtime.calls.call("t:add", (1, 2)) == 3


def test_missing_names_the_problem_once_for_every_caller(runtime):
    from wippy_runtime.errors import INVALID, NOT_FOUND

    runtime.define({"id": "t:dir", "kind": "fs.directory", "directory": "."})
    calls = runtime.calls
    assert calls.missing("t:nope").kind == NOT_FOUND
    assert calls.missing(b"t:nope").entry == "t:nope"
    assert calls.missing("nocolon").kind == INVALID
    assert calls.missing(42, prefix="funcs.call: ").message.startswith("funcs.call: target")
    # Python callers learn a non-function is not callable; Lua's funcs sees only functions
    assert calls.missing("t:dir").kind == INVALID
    assert calls.missing("t:dir", functions_only=True).kind == NOT_FOUND
