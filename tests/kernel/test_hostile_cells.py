"""The hang cases as notebook cells, over a real kernel: a start function that loops, a
pattern bomb, a table whose __index loops under Tab and Shift-Tab, a %load of a huge tree.
Each is stopped (or never started) and the kernel keeps serving."""

from __future__ import annotations

import time

import pytest
from jupyter_client.manager import start_new_kernel
from wippy_runtime.errors import TIMEOUT

from . import kernelspec  # noqa: F401
from .helpers import ok, run
from .test_cells import interrupt_running

ADD = """%%wat m:add
(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))"""
START_LOOP = """%%wat m:startloop --pool inline
(module (func $s (loop $l br $l)) (start $s) (func (export "f") (result i32) i32.const 1))"""
BOMB = 'string.find(("a"):rep(40), ("a*"):rep(40) .. "b")'
LOOPING_INDEX = "trap = setmetatable({}, {__index = function(t, k) while true do end end})"


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_new_kernel(kernel_name="wippy", startup_timeout=60)
    ok(kc, ADD)
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def _healthy(kc):
    assert ok(kc, 'funcs.call("m:add", 40, 2)').result == "42"


@pytest.mark.parametrize("code", [START_LOOP, BOMB], ids=["start-function-loop",
                                                         "pattern-bomb"])
def test_hang_cell_is_stopped_by_interrupt(kernel, code):
    km, kc = kernel
    reply, elapsed = interrupt_running(km, kc, code)
    assert reply["content"]["status"] == "error"
    assert elapsed < 10, f"the interrupt did not stop the cell ({elapsed:.1f} s)"
    _healthy(kc)


def test_start_function_loop_with_a_limit_fails_its_cell(kernel):
    _, kc = kernel
    res = run(kc, '%%yaml\nnamespace: m\nentries:\n  - name: limited\n    kind: function.wat\n'
                  '    method: f\n    pool: {type: inline}\n    limits: {max_execution_ms: 100}\n'
                  '    source: \'(module (func $s (loop $l br $l)) (start $s) '
                  '(func (export "f") (result i32) i32.const 1))\'', timeout=30)
    assert res.error is not None
    assert "m:limited" in res.text() and "max_execution_ms (100 ms)" in res.text()
    _healthy(kc)


def test_pattern_bomb_in_a_limited_entry_times_out(kernel):
    _, kc = kernel
    ok(kc, "%%yaml\nnamespace: m\nentries:\n  - name: bomb\n    kind: function.lua\n"
           "    method: main\n    limits: {max_execution_ms: 200}\n"
           f"    source: 'return {{ main = function() return {BOMB.replace(chr(39), chr(34))} end }}'")
    res = run(kc, 'select(2, funcs.call("m:bomb")):kind()')
    assert res.result == f'"{TIMEOUT}"', res.text()
    _healthy(kc)


@pytest.mark.parametrize("request_kind", ["complete", "inspect"])
def test_looping_index_does_not_freeze_tab_or_shift_tab(kernel, request_kind):
    _, kc = kernel
    ok(kc, LOOPING_INDEX)
    code = "trap.anything.x"
    t0 = time.monotonic()
    msg_id = getattr(kc, request_kind)(code, len(code))
    reply = kc.get_shell_msg(timeout=20)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert reply["content"]["status"] == "ok"
    assert time.monotonic() - t0 < 10
    # a real table still completes, and cells still run
    ok(kc, "fine = {alpha = 1}")
    kc.complete("fine.al", 7)
    assert kc.get_shell_msg(timeout=20)["content"]["matches"] == ["alpha"]
    _healthy(kc)


def test_interrupt_stops_a_load_of_a_huge_tree(kernel, tmp_path):
    km, kc = kernel
    for d in range(400):
        sub = tmp_path / f"ns{d}"
        sub.mkdir()
        entries = "".join(f"  - name: e{i}\n    kind: function.lua\n    method: main\n"
                          f"    source: 'return {{ main = function() return {i} end }}'\n"
                          for i in range(25))
        (sub / "_index.yaml").write_text(f"version: '1.0'\nnamespace: ns{d}\nentries:\n{entries}")
    reply, elapsed = interrupt_running(km, kc, f"%load {tmp_path}")
    assert reply["content"]["status"] == "error"
    assert elapsed < 10, f"the interrupt did not stop the load ({elapsed:.1f} s)"
    _healthy(kc)
