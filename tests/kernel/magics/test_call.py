"""`%%call` over a real kernel process."""

from __future__ import annotations

from ..helpers import ok
from .conftest import ADD, widget_with_fallback  # noqa: F401


def test_call_magic_args_json_and_strings(kc):
    ok(kc, "%%lua m:echo\nreturn { echo = function(a, b) return {a = a, b = b} end }")
    out = ok(kc, '%call m:echo word {"k":[1,2]}').displays[0]["text/plain"]
    assert out == '{a = "word", b = {k = {1, 2}}}'
