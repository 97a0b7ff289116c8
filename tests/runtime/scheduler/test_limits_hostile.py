"""Limits in every state, written as attacks: each hostile entry or call gets a safe outcome,
then a healthy call on the same runtime still answers."""

import threading
import time

import pytest
from conftest import ADD_WAT, SPIN_WAT, lua, wat
from wippy_runtime.errors import CANCELED, TIMEOUT, CallError, WippyError

START_LOOP = ('(module (func $s (loop $l br $l)) (start $s) '
              '(func (export "f") (result i32) i32.const 1))')


def _healthy(rt):
    wat(rt, "ok", ADD_WAT, "add")
    assert rt.call("t:ok", 2, 3) == 5


def _interrupt_after(rt, delay):
    t = threading.Timer(delay, rt.interrupt)
    t.start()
    return t


# -- the start function and instantiation ---------------------------------------------------
def test_start_function_loop_fails_its_load_with_timeout(rt):
    t0 = time.monotonic()
    with pytest.raises(WippyError) as info:
        wat(rt, "start", START_LOOP, "f", pool={"type": "inline"},
            limits={"max_execution_ms": 100})
    assert time.monotonic() - t0 < 5
    assert info.value.entry == "t:start"
    assert "max_execution_ms (100 ms)" in str(info.value)
    _healthy(rt)


def test_start_function_loop_without_limit_is_reached_by_interrupt(rt):
    _interrupt_after(rt, 0.2)
    with pytest.raises(WippyError) as info:
        wat(rt, "start", START_LOOP, "f", pool={"type": "inline"})
    assert info.value.entry == "t:start"
    assert "interrupted" in str(info.value)
    _healthy(rt)


@pytest.mark.parametrize("pool", [None, {"type": "lazy", "max_size": 2},
                                  {"type": "adaptive", "max_size": 2}])
def test_start_function_loop_in_an_elastic_pool_fails_its_load(rt, pool):
    """Pools that start empty still make their first instance at load when the module has a
    start function: a loop there fails the load as it does for inline and static pools."""
    extra = {"pool": pool} if pool else {}
    t0 = time.monotonic()
    with pytest.raises(WippyError) as info:
        wat(rt, "start", START_LOOP, "f", limits={"max_execution_ms": 50}, **extra)
    assert time.monotonic() - t0 < 5
    assert info.value.entry == "t:start"
    assert str(info.value) == ("t:start: instantiation stopped in start function $s: "
                               "execution exceeded limits.max_execution_ms (50 ms)")
    # the entry can be fixed and reloaded under the same id
    wat(rt, "start", START_LOOP.replace("(loop $l br $l)", "nop"), "f", **extra)
    assert rt.call("t:start") == 1
    _healthy(rt)


def test_start_function_trap_in_a_lazy_pool_fails_its_load_naming_it(rt):
    with pytest.raises(WippyError) as info:
        wat(rt, "trap", '(module (func $init unreachable) (start $init) '
            '(func (export "f") (result i32) i32.const 1))', "f")
    assert str(info.value).startswith("t:trap: instantiation failed in start function $init: "
                                      "wasm trap: wasm `unreachable` instruction executed")
    _healthy(rt)


def test_start_function_loop_in_a_lazy_component_fails_its_load(rt):
    """A component runs its core modules' start functions when it is instantiated."""
    component = ('(component (core module $m (func $init (loop $l br $l)) (start $init) '
                 '(func (export "f") (result i32) i32.const 1)) '
                 '(core instance $i (instantiate $m)) '
                 '(func (export "f") (result u32) (canon lift (core func $i "f"))))')
    with pytest.raises(WippyError) as info:
        wat(rt, "comp", component, "f", limits={"max_execution_ms": 50})
    assert str(info.value) == ("t:comp: instantiation stopped in start function $init: "
                               "execution exceeded limits.max_execution_ms (50 ms)")
    _healthy(rt)


def test_lazy_start_function_probe_is_the_first_instance(rt):
    """The instance made at load is kept: the first call does not instantiate again."""
    counting = ('(module (global $n (mut i32) (i32.const 0)) '
                '(func $init (global.set $n (i32.add (global.get $n) (i32.const 1)))) '
                '(start $init) (func (export "f") (result i32) (global.set $n (i32.add '
                '(global.get $n) (i32.const 10))) (global.get $n)))')
    wat(rt, "count", counting, "f")
    stats = {s.entry: s for s in rt.pool_stats()}["t:count"]
    assert (stats.type, stats.instances, stats.idle) == ("lazy", 1, 1)
    assert rt.call("t:count") == 11  # one start, one call, on the same instance
    wat(rt, "plain", ADD_WAT, "add")  # no start function: nothing made at load
    assert {s.entry: s for s in rt.pool_stats()}["t:plain"].instances == 0


ENV_LOOP = ('(module (import "wasi_snapshot_preview1" "environ_sizes_get" '
            '(func $sizes (param i32 i32) (result i32))) (memory (export "memory") 1) '
            '(func $init (drop (call $sizes (i32.const 0) (i32.const 4))) '
            '(if (i32.load (i32.const 0)) (then (loop $l br $l)))) (start $init) '
            '(func (export "f") (param i32) (result i32) '
            '(if (local.get 0) (then unreachable)) i32.const 1))')


def test_start_function_loop_at_a_later_instantiation_fails_that_call(rt, monkeypatch):
    """The load's instance was fine; a later one (after a trap discarded the first) loops in
    its start function (it sees an environment variable): that call fails with a limit error
    naming the entry and the start function, and the pool goes on serving."""
    monkeypatch.delenv("WIPPY_GAPS_LOOP", raising=False)
    rt.define({"id": "t:v", "kind": "env.variable", "variable": "WIPPY_GAPS_LOOP"})
    wat(rt, "env", ENV_LOOP, "f", imports=["wasi1"], limits={"max_execution_ms": 100},
        wasi={"env": [{"id": "t:v", "name": "LOOP"}]})
    with pytest.raises(CallError):
        rt.call("t:env", 1)  # traps: the instance is discarded
    monkeypatch.setenv("WIPPY_GAPS_LOOP", "1")
    with pytest.raises(CallError) as info:
        rt.call("t:env", 0)
    assert info.value.kind == TIMEOUT and info.value.entry == "t:env"
    assert str(info.value) == ("t:env: instantiation stopped in start function $init: "
                               "execution exceeded limits.max_execution_ms (100 ms)")
    stats = {s.entry: s for s in rt.pool_stats()}["t:env"]
    assert (stats.busy, stats.instances) == (0, 0)
    monkeypatch.delenv("WIPPY_GAPS_LOOP")
    assert rt.call("t:env", 0) == 1
    _healthy(rt)


def test_project_with_a_looping_start_function_loads_the_rest(rt, tmp_path):
    (tmp_path / "_index.yaml").write_text(
        "version: '1.0'\nnamespace: p\nentries:\n"
        "  - name: bad\n    kind: function.wat\n    method: f\n    pool: {type: inline}\n"
        "    limits: {max_execution_ms: 50}\n"
        f"    source: '{START_LOOP}'\n"
        "  - name: good\n    kind: function.wat\n    method: add\n"
        f"    source: '{ADD_WAT}'\n")
    report = rt.load(tmp_path)
    assert [e.entry for e in report.errors] == ["p:bad"]
    assert rt.call("p:good", 1, 1) == 2


# -- wall-clock for the whole execution ------------------------------------------------------
@pytest.mark.parametrize("body", [
    "time.sleep('10s')",
    "local ch = channel.new() ch:receive()",
    "local ch = channel.new() channel.select({ ch:case_receive() })",
])
def test_parked_lua_obeys_max_execution_ms(rt, body):
    lua(rt, "park", f"local function main() {body} return 1 end return {{ main = main }}",
        modules=["time"], limits={"max_execution_ms": 100})
    t0 = time.monotonic()
    with pytest.raises(CallError) as info:
        rt.call("t:park")
    assert time.monotonic() - t0 < 3
    assert info.value.kind == TIMEOUT and info.value.entry == "t:park"
    _healthy(rt)


def test_nested_unlimited_wasm_loop_stops_at_the_callers_deadline(rt):
    wat(rt, "spin", SPIN_WAT, "spin", pool={"type": "inline"})
    lua(rt, "outer", "local function main() local v, err = funcs.call('t:spin')\n"
        " return err and err:kind() end return { main = main }", modules=["funcs"],
        limits={"max_execution_ms": 150})
    t0 = time.monotonic()
    try:
        out = rt.call("t:outer")
    except CallError as exc:
        out = exc.kind
    assert out == TIMEOUT
    assert time.monotonic() - t0 < 3
    _healthy(rt)


def _busy(rt, entry):
    return {s.entry: s for s in rt.pool_stats()}[entry].busy


def _wait_idle(rt, entry, within_s):
    deadline = time.monotonic() + within_s
    while _busy(rt, entry) and time.monotonic() < deadline:
        time.sleep(0.02)
    return _busy(rt, entry)


@pytest.mark.parametrize("pool", [{"type": "lazy", "max_size": 2}, {"type": "static", "size": 1}])
@pytest.mark.parametrize("wait", ["f:channel():receive()", ""])
def test_nested_wasm_on_a_worker_stops_at_the_outer_deadline(rt, pool, wait):
    """The job runs on the pool's worker after its caller has ended (timed out while waiting,
    or returned at once): the caller's deadline still bounds it, so the worker comes back."""
    wat(rt, "spin", SPIN_WAT, "spin", pool=pool)
    lua(rt, "outer", f"local function main() local f = funcs.async('t:spin') {wait} return 1 end"
        " return { main = main }", modules=["funcs"], limits={"max_execution_ms": 150})
    try:
        try:
            rt.call("t:outer")
        except CallError as exc:
            assert exc.kind == TIMEOUT and exc.entry == "t:outer"
        assert _wait_idle(rt, "t:spin", 3) == 0  # stopped, not spinning on (forever)
    finally:
        rt.interrupt()  # without the fix, free the spinning worker so the suite can exit
    _healthy(rt)


def test_nested_lua_inherits_the_callers_deadline(rt):
    lua(rt, "slow", "local function main() while true do end end return { main = main }")
    lua(rt, "outer", "local function main() local v, err = funcs.call('t:slow')\n"
        " return err:kind() .. ' ' .. tostring(err) end return { main = main }",
        modules=["funcs"], limits={"max_execution_ms": 150})
    t0 = time.monotonic()
    try:
        out = rt.call("t:outer")
    except CallError as exc:  # the caller's own hook may fire first: also its deadline
        out = f"{exc.kind} {exc}"
    assert out.startswith(TIMEOUT) and "150 ms" in out
    assert time.monotonic() - t0 < 3
    _healthy(rt)


def test_queued_pool_slot_counts_against_the_deadline(rt):
    lua(rt, "hold", "local function main() time.sleep('3s') return 1 end "
        "return { main = main }", modules=["time"], pool={"type": "lazy", "max_size": 1})
    lua(rt, "outer", "local function main() local v, err = funcs.call('t:hold')\n"
        " return err and err:kind() end return { main = main }", modules=["funcs"],
        limits={"max_execution_ms": 150})
    holder = threading.Thread(target=rt.call, args=("t:hold",))
    holder.start()
    time.sleep(0.1)
    t0 = time.monotonic()
    try:
        out = rt.call("t:outer")
    except CallError as exc:
        out = exc.kind
    assert out == TIMEOUT
    assert time.monotonic() - t0 < 2.5  # did not wait out the holder's 3 s
    holder.join()
    assert rt.call("t:hold") == 1


# -- interrupt: queued calls too, every slot freed ------------------------------------------
def test_interrupt_cancels_queued_calls_and_frees_every_slot(rt):
    lua(rt, "hold", "local function main() time.sleep('5s') return 1 end "
        "return { main = main }", modules=["time"], pool={"type": "lazy", "max_size": 1})
    lua(rt, "fan", "local function main()\n local fs = {}\n"
        " for i = 1, 4 do fs[i] = funcs.async('t:hold') end\n"
        " for i = 1, 4 do fs[i]:channel():receive() end return 1 end return { main = main }",
        modules=["funcs"])
    _interrupt_after(rt, 0.3)
    t0 = time.monotonic()
    with pytest.raises(CallError) as info:
        rt.call("t:fan")
    assert info.value.kind == CANCELED
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        stats = {s.entry: s for s in rt.pool_stats()}
        if stats["t:hold"].busy == 0 and stats["t:hold"].queued == 0:
            break
        time.sleep(0.05)
    assert stats["t:hold"].busy == 0 and stats["t:hold"].queued == 0
    assert time.monotonic() - t0 < 3
    _healthy(rt)


def test_interrupt_reaches_a_caller_waiting_for_an_inline_instance(rt):
    wat(rt, "spin", SPIN_WAT, "spin", pool={"type": "inline"})
    errors = []

    def spin():
        try:
            rt.call("t:spin")
        except CallError as exc:
            errors.append(exc.kind)

    threads = [threading.Thread(target=spin) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    rt.interrupt()
    for t in threads:
        t.join(3)
    assert not any(t.is_alive() for t in threads)
    assert errors == [CANCELED, CANCELED]
    _healthy(rt)


def test_interrupt_when_nothing_runs_then_calls_of_every_kind_succeed(rt):
    wat(rt, "lazy", ADD_WAT, "add", pool={"type": "lazy", "max_size": 2})
    lua(rt, "l", "local function main() time.sleep('1ms') return 7 end "
        "return { main = main }", modules=["time"])
    rt.interrupt()
    time.sleep(0.05)
    assert rt.call("t:l") == 7
    assert rt.call("t:lazy", 1, 2) == 3
    rt.interrupt()
    assert rt.call("t:lazy", 1, 2) == 3
    assert rt.call("t:l") == 7
