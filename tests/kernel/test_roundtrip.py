"""`%export` then `%load` into a fresh kernel defines the same entries (the notebooks run in
test_notebooks.py)."""

from __future__ import annotations

import pytest
from jupyter_client.manager import start_new_kernel

from . import kernelspec  # noqa: F401
from .helpers import ok


@pytest.fixture
def fresh_kernel():
    started = []

    def start():
        km, kc = start_new_kernel(kernel_name="wippy", startup_timeout=60)
        started.append((km, kc))
        return kc

    yield start
    for km, kc in started:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_export_then_load_round_trip(fresh_kernel, tmp_path):
    a = fresh_kernel()
    ok(a, '%%wat math:add --wit "add: func(a: s32, b: s32) -> s32"\n'
          '(module (func (export "add") (param i32 i32) (result i32)\n'
          '  local.get 0 local.get 1 i32.add))')
    ok(a, '%%lua app:double --modules funcs\n'
          'return { double = function(x) return funcs.call("math:add", x, x) end }')
    ok(a, "%%lua app:lib --library\nreturn { k = 7 }")
    before = ok(a, "%entries").displays[0]["text/plain"]
    ok(a, f"%export {tmp_path}")
    assert (tmp_path / "math" / "_index.yaml").exists()
    assert (tmp_path / "math" / "add.wat").read_text().startswith("(module")
    assert "file://double.lua" in (tmp_path / "app" / "_index.yaml").read_text()

    b = fresh_kernel()
    ok(b, f"%load {tmp_path}")
    after = ok(b, "%entries").displays[0]["text/plain"]
    assert after == before
    assert ok(b, 'funcs.call("app:double", 21)').result == "42"
    # and exporting the loaded project again gives the same files
    again = tmp_path.parent / (tmp_path.name + "-again")
    ok(b, f"%export {again}")
    for f in sorted(tmp_path.rglob("*")):
        if f.is_file():
            assert (again / f.relative_to(tmp_path)).read_text() == f.read_text()
