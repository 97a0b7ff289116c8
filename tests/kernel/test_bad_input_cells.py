"""The runtime's bad-input cases sent as notebook cells: each is an error reply naming the
problem, and the kernel keeps serving every entry defined before it."""

from __future__ import annotations

import pytest
from jupyter_client.manager import start_new_kernel

from ..runtime.test_bad_input import CASES, GOOD, WASM_OK
from . import kernelspec  # noqa: F401
from .helpers import ok, run


@pytest.fixture(scope="module")
def kc(tmp_path_factory):
    # the cases refer to ./bin/f.wasm relative to the notebook's directory
    cwd = tmp_path_factory.mktemp("notebook")
    (cwd / "bin").mkdir()
    (cwd / "bin" / "f.wasm").write_bytes(WASM_OK)
    km, kc = start_new_kernel(kernel_name="wippy", startup_timeout=60, cwd=str(cwd))
    ok(kc, "%%yaml\nnamespace: app\nentries:\n" + GOOD)
    yield kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_definition_cell_is_an_error_and_the_kernel_keeps_serving(kc, case):
    bad_yaml, expected = CASES[case]
    res = run(kc, "%%yaml\nnamespace: app\nentries:\n" + bad_yaml)
    assert res.status == "error"
    assert expected in res.text()
    assert ok(kc, 'funcs.call("app:good")').result == "7"


@pytest.mark.parametrize("code,expected", [
    ("local x = ", "unexpected symbol"),
    ("error('boom')", "boom"),
    ('funcs.call("app:good", {1, {2}}, 3)', "expected 0 arguments, got 2"),
    ("%%wat app:w\n(module (func (export", "invalid WAT"),
    ("%%yaml\nnamespace: app\nentries: [unclosed", "malformed YAML"),
    ("%call app:missing", "no such entry"),
    ("%nosuchmagic", "nosuchmagic"),
    ("string.rep('x', 1 << 40)", "resulting string too large"),
    ("local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(1000) end", "memory limit exceeded"),
])
def test_bad_cells(kc, code, expected):
    res = run(kc, code)
    text = res.text()
    assert expected in text, text
    assert ok(kc, 'funcs.call("app:good")').result == "7"
