"""`%%entries` over a real kernel process."""

from __future__ import annotations

from ..helpers import ok
from .conftest import ADD, widget_with_fallback  # noqa: F401


def test_entries_lists_kind_signature_and_pool(kc):
    ok(kc, "%call m:add 1 2")
    text = ok(kc, "%entries").displays[0]["text/plain"]
    line = next(ln for ln in text.splitlines() if ln.startswith("m:add"))
    assert "function.wat" in line and "add: func(p1: s32, p2: s32) -> s32" in line
