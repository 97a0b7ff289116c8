"""`%%pools` over a real kernel process."""

from __future__ import annotations

from ..helpers import ok
from .conftest import ADD, widget_with_fallback  # noqa: F401


def test_pools_shows_widget_with_html_fallback_by_default(kc):
    ok(kc, 'funcs.call("m:add", 1, 2)')
    view = widget_with_fallback(ok(kc, "%pools").displays)
    assert "m:add" in view["text/html"] and "busy / instances" in view["text/html"]
    assert "gen" in view["text/plain"] and "p95" in view["text/plain"]


def test_pools_text_prints_a_plain_table(kc):
    res = ok(kc, "%pools --text")
    assert not res.displays
    row = next(ln for ln in res.stdout.splitlines() if ln.startswith("m:add"))
    assert "µs" in row or "ms" in row
    assert " us" not in res.stdout
