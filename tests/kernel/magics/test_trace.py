"""`%%trace` over a real kernel process."""

from __future__ import annotations

from ..helpers import ok
from .conftest import ADD, widget_with_fallback  # noqa: F401


def test_trace_shows_nested_calls(kc):
    ok(kc, "%trace clear")
    ok(kc, "%trace on")
    ok(kc, '%%lua m:twice --method main\nreturn { main = function(x) return funcs.call("m:add", x, x) end }')
    assert ok(kc, 'funcs.call("m:twice", 4)').result == "8"
    out = ok(kc, "%trace --text").stdout
    assert "m:twice(4) -> 8" in out
    assert "\n  m:add(4, 4) -> 8" in out
    ok(kc, "%trace off")
    ok(kc, "%trace clear")
    ok(kc, 'funcs.call("m:twice", 1)')
    assert "no calls recorded; tracing is off" in ok(kc, "%trace --text").stdout


def test_trace_shows_widget_with_html_fallback_newest_first(kc):
    ok(kc, "%trace clear")
    ok(kc, "%trace on")
    try:
        ok(kc, 'funcs.call("m:add", 1, 1)')
        ok(kc, 'funcs.call("m:add", 2, 2)')
        view = widget_with_fallback(ok(kc, "%trace").displays)
    finally:
        ok(kc, "%trace off")
    html = view["text/html"]
    assert html.index("m:add(2, 2)") < html.index("m:add(1, 1)")  # newest first
    assert "wippy-trace-scroll" in html and "wippy-track" in html
    assert view["text/plain"].splitlines()[0].startswith("m:add(2, 2) -> 4")


def test_trace_cell_magic_traces_only_its_cell(kc):
    ok(kc, "%trace clear")
    ok(kc, '%%lua m:twice --method main\n'
           'return { main = function(x) return funcs.call("m:add", x, x) end }')
    ok(kc, 'funcs.call("m:add", 9, 9)')  # tracing is off: not recorded
    res = ok(kc, '%%trace --text\nlocal v = funcs.call("m:twice", 5)\nv')
    assert res.displays[0]["text/plain"] == "10"
    assert res.stdout.startswith("m:twice(5) -> 10"), res.stdout
    assert "\n  m:add(5, 5) -> 10" in res.stdout and "9, 9" not in res.stdout
    view = widget_with_fallback(ok(kc, '%%trace\nfuncs.call("m:twice", 6)').displays)
    assert "m:twice(6)" in view["text/html"] and "m:twice(5)" not in view["text/html"]
    # tracing is back off after the cell
    ok(kc, 'funcs.call("m:twice", 7)')
    assert "m:twice(7)" not in ok(kc, "%trace --text").stdout
