"""`%%%lua` over a real kernel process."""

from __future__ import annotations

from ..helpers import ok, run
from .conftest import ADD, widget_with_fallback  # noqa: F401


def test_lua_magic_calls_wat(kc):
    res = ok(kc, '%%lua m:twice\nlocal function twice(x)\n  return funcs.call("m:add", x, x)\n'
             'end\nreturn { twice = twice }')
    assert "<span" in res.displays[0]["text/html"]
    assert ok(kc, 'funcs.call("m:twice", 21)').result == "42"

def test_lua_magic_syntax_error_cell_line(kc):
    res = run(kc, "%%lua m:broken\nlocal x = 1\nlocal y = = 2\nreturn {broken = x}")
    assert res.status == "error"
    assert "m:broken" in res.error["evalue"] and "cell line 3" in res.error["evalue"]
