"""`%%imports` over a real kernel process."""

from __future__ import annotations

from ..helpers import ok, run
from .conftest import ADD, widget_with_fallback  # noqa: F401

P1 = """%%wat m:p1 --import wasi1 --method f
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $w (param i32 i32 i32 i32) (result i32)))
  (import "env" "log" (func $log (param i32)))
  (func (export "f") (result i32) i32.const 7))"""


def test_imports_shows_widget_with_html_fallback_and_profile_to_add(kc):
    ok(kc, P1)
    ok(kc, P1.replace("m:p1 --import wasi1", "m:bare"))
    view = widget_with_fallback(ok(kc, "%imports").displays)
    assert "m:bare" in view["text/html"] and "m:p1" in view["text/html"]
    text = ok(kc, "%imports --text").stdout
    bare = text.split("m:bare")[1].split("m:p1")[0]
    assert "stubbed  wasi_snapshot_preview1#fd_write  -> add wasi1 to imports" in bare, text


def test_imports_of_one_entry_and_of_a_lua_entry(kc):
    ok(kc, P1)
    text = ok(kc, "%imports m:p1 --text").stdout
    assert "linked   wasi_snapshot_preview1#fd_write" in text
    assert "stubbed  env#log  -> no host provides it" in text
    ok(kc, "%%lua m:l --modules funcs\nreturn { l = function() return 1 end }")
    assert "module   funcs" in ok(kc, "%imports m:l").stdout
    assert run(kc, "%imports no:such").error["ename"] == "NotFound"
