"""`%%%wit` over a real kernel process."""

from __future__ import annotations

from ..helpers import ok
from .conftest import ADD, widget_with_fallback  # noqa: F401


def test_wit_magic_feeds_next_wat(kc):
    ok(kc, "%%wit\nmul: func(x: s32, y: s32) -> s32")
    res = ok(kc, '%%wat m:mul\n(module (func (export "mul") (param i32 i32) (result i32)\n'
             '  local.get 0 local.get 1 i32.mul))')
    assert "mul: func(x: s32, y: s32) -> s32" in res.displays[0]["text/plain"]
