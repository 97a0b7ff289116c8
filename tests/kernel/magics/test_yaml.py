"""`%%%yaml` over a real kernel process."""

from __future__ import annotations

from ..helpers import ok, run
from .conftest import ADD, widget_with_fallback  # noqa: F401


def test_yaml_magic_many_entries_and_bare_list(kc, tmp_path):
    ok(kc, '%%yaml\nversion: "1.0"\nnamespace: y\nentries:\n  - name: hi\n'
           '    kind: function.lua\n    method: main\n    source: |\n'
           '      return { main = function(n) return "hi " .. n end }\n'
           '  - name: one\n    kind: function.wat\n    method: one\n'
           '    source: (module (func (export "one") (result i32) i32.const 1))')
    assert ok(kc, 'funcs.call("y:hi", "bob")').result == '"hi bob"'
    assert ok(kc, "%call y:one").displays[0]["text/plain"] == "1"
    ok(kc, "%%yaml --namespace z\n- name: two\n  kind: function.wat\n  method: two\n"
           "  source: (module (func (export \"two\") (result i32) i32.const 2))")
    assert ok(kc, "%call z:two").displays[0]["text/plain"] == "2"

def test_yaml_errors_name_entry_and_line(kc):
    res = run(kc, "%%yaml\nnamespace: bad\nentries:\n  - name: a\n    kind: function.wat\n"
                  "    method: a\n    source: (module (func (export \"a\") i32.oops))\n")
    assert res.status == "error"
    assert "bad:a" in res.error["evalue"]
    res = run(kc, "%%yaml\nnamespace: [unclosed\n")
    assert res.status == "error" and "line" in res.text().lower()
