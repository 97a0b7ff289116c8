"""`%%%wat` over a real kernel process."""

from __future__ import annotations

from ..helpers import ok, run
from .conftest import ADD, widget_with_fallback  # noqa: F401


def test_wat_magic_defines_and_echoes_highlighted_source(kc):
    res = ok(kc, ADD)
    html = res.displays[0]["text/html"]
    assert "m:add" in html and "<span" in html  # pygments markup
    assert "add: func(p1: s32, p2: s32) -> s32" in res.displays[0]["text/plain"]
    assert ok(kc, 'funcs.call("m:add", 2, 3)').result == "5"

def test_wat_with_wit_and_pool(kc):
    res = ok(kc, '%%wat m:sub --wit "sub: func(a: s32, b: s32) -> s32" --pool inline\n'
             '(module (func (export "sub") (param i32 i32) (result i32)\n'
             '  local.get 0 local.get 1 i32.sub))')
    assert "sub: func(a: s32, b: s32) -> s32" in res.displays[0]["text/plain"]
    assert ok(kc, "%call m:sub 10 4").displays[0]["text/plain"] == "6"
    assert "inline" in ok(kc, "%entries").displays[0]["text/plain"]

def test_wat_compile_error_points_at_cell_line_and_old_version_serves(kc):
    bad = '%%wat m:add\n(module\n  (func (export "add") (param i32 i32) (result i32)\n' \
          '    local.get 0\n    i32.bogus))'
    res = run(kc, bad)
    assert res.status == "error"
    assert "m:add" in res.error["evalue"]
    assert "cell line 5" in res.error["evalue"], res.error["evalue"]
    assert any("i32.bogus" in line for line in res.error["traceback"])
    assert ok(kc, 'funcs.call("m:add", 1, 1)').result == "2"

def test_replace_entry_from_later_cell(kc):
    ok(kc, '%%wat m:k\n(module (func (export "k") (result i32) i32.const 1))')
    assert ok(kc, '%call m:k').displays[0]["text/plain"] == "1"
    ok(kc, '%%wat m:k\n(module (func (export "k") (result i32) i32.const 2))')
    assert ok(kc, '%call m:k').displays[0]["text/plain"] == "2"

def test_wat_validation_error_gives_the_cell_line_and_column(kc):
    res = run(kc, '%%wat m:bad\n(module\n  (func (export "bad") (result i32)\n'
                  '    i32.const 1\n    f32.const 2\n    i32.add))')
    assert res.status == "error"
    evalue = res.error["evalue"]
    assert "m:bad: invalid WebAssembly at cell line 6, column 5:" in evalue, evalue
    assert "offset" not in evalue
    assert any("i32.add" in line for line in res.error["traceback"])


def test_wat_syntax_error_gives_one_line_number_the_cells(kc):
    res = run(kc, '%%wat m:syn\n(module\n  (func (export "syn")\n    (i32.nope)))')
    evalue = res.error["evalue"]
    assert "cell line 4, column 6" in evalue, evalue
    numbers = {int(n) for n in __import__("re").findall(r"line (\d+)", "\n".join(
        [evalue, *res.error["traceback"]]))}
    assert numbers == {4}, res.error


def test_wasi_cli_without_wasi_io_warns_at_definition(kc):
    from pathlib import Path

    wasm = Path(__file__).resolve().parents[3] / "examples" / "cli-hello" / "wasm"
    res = ok(kc, f"""%%yaml
namespace: cli
entries:
  - name: bin
    kind: fs.directory
    directory: {wasm}
  - name: echo
    kind: function.wasm
    fs: cli:bin
    path: /command.component.wasm
    hash: sha256:1712e209c9ed42644dd947f8c587bc5af53f34f410879d51f964a833a948d645
    method: echo
    imports: [wasi:cli]""")
    assert "warning: cli:echo:" in res.stderr and "`wasi:io`" in res.stderr, res.text()
