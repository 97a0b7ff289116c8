"""Wippy's typed Lua pasted into a notebook: session cells and `%%lua` entries run it, errors
name the cell's line, and an unfinished typed cell is "incomplete" (Enter continues it)."""

from __future__ import annotations

import pytest
from jupyter_client.manager import start_new_kernel

from . import kernelspec  # noqa: F401
from .helpers import ok, run


@pytest.fixture(scope="module")
def kc():
    km, kc = start_new_kernel(kernel_name="wippy", startup_timeout=60)
    yield kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def test_typed_cell_runs_as_its_untyped_twin(kc):
    ok(kc, "type P = {x: number}\n"
           "function twice(p: P): (number, string?)\n  return p.x * 2, nil\nend")
    res = ok(kc, "twice(({x = 21} as P))")
    assert res.result == ok(kc, "twice({x = 21})").result
    assert "42" in res.result
    assert ok(kc, "P == nil").result == "true"  # a type declared in a cell is local to it
    res = ok(kc, "type Q = {x: number} @min_len(0)\nlocal v, e = Q:is({x = 'no'})\nprint(e)")
    assert 'x: expected number, got "no"' in res.stdout


def test_typed_lua_magic_defines_a_callable_entry(kc):
    ok(kc, "%%lua app:scale\n"
           "type Scale = number @min(1) @max(10)\n"
           "local function scale(x: number, k: number?): number\n"
           "  local ok, err = Scale:is(k or 1)\n"
           "  if not ok then error(err) end\n"
           "  return x * (k or 1)\n"
           "end\n"
           "return { scale = scale }")
    assert ok(kc, 'funcs.call("app:scale", 4, 3)').result == "12"
    res = run(kc, 'funcs.call("app:scale", 4, 30)')
    assert "exceeds maximum 10" in res.text()


def test_error_in_a_typed_cell_names_the_cell_line(kc):
    res = run(kc, "local a: number = 1\nlocal b: string = 'x'\nerror('at three')")
    assert res.status == "error"
    assert ":3: at three" in res.text()
    res = run(kc, "local a: number = 1\nlocal b: number = a + +\nlocal c = 1")
    assert res.status == "error"
    assert ":2: unexpected symbol near '+'" in res.text()
    assert "line 2: local b: number = a + +" in res.text()


def test_unfinished_typed_cell_is_incomplete(kc):
    kc.is_complete("local function f(a: number): string\n  return ''")
    reply = kc.get_shell_msg(timeout=10)
    assert reply["content"]["status"] == "incomplete"
    kc.is_complete("local x: number< = 1")
    reply = kc.get_shell_msg(timeout=10)
    assert reply["content"]["status"] == "invalid"


def test_a_static_type_error_in_a_cell_is_named_as_one(kc):
    res = run(kc, "local a: number = 1\nlocal b: string = 42")
    assert res.status == "error"
    assert res.reply["content"]["ename"] == "LuaTypeError"
    text = res.text()
    assert "Lua type error" in text and ":2:" in text and "syntax" not in text
    assert "line 2: local b: string = 42" in text
    res = run(kc, "local a: number = 1 +")
    assert res.reply["content"]["ename"] == "LuaSyntaxError"
