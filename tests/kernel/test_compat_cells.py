"""Real Wippy code in notebook cells: Wippy's `io` writes to the cell, unknown fields warn."""

from __future__ import annotations

import pytest
from jupyter_client.manager import start_new_kernel

from . import kernelspec  # noqa: F401
from .helpers import ok


@pytest.fixture(scope="module")
def kc():
    km, client = start_new_kernel(kernel_name="wippy", startup_timeout=60)
    yield client
    client.stop_channels()
    km.shutdown_kernel(now=True)


def test_io_print_write_and_eprint_land_in_the_cell(kc):
    res = ok(kc, 'io.write("a", 1) io.print("x", 2) io.eprint("careful") '
                 'io.stderr:write("old style\\n")')
    assert res.stdout == "a1x\t2\n"
    assert res.stderr == "careful\nold style\n"
    assert ok(kc, "#io.args()").result == "0"


def test_io_in_an_entry_called_from_a_cell_writes_to_the_cell(kc):
    ok(kc, "%%yaml\nnamespace: nb\nentries:\n  - name: hello\n    kind: function.lua\n"
           "    method: main\n    modules: [io]\n    source: |\n"
           "      return { main = function(n) io.print('hi', n) return true end }\n")
    res = ok(kc, 'funcs.call("nb:hello", "there")')
    assert res.stdout == "hi\tthere\n"
    no_stdin = ok(kc, "select(2, io.readline()):kind()")
    assert no_stdin.result == '"Unavailable"'


def test_yaml_cell_warns_about_unknown_fields_and_defines_the_entry(kc):
    res = ok(kc, "%%yaml\nnamespace: nb\nentries:\n  - name: tagged\n    kind: function.lua\n"
                 "    method: main\n    security: {actor: {id: x}}\n"
                 "    source: 'return { main = function() return 5 end }'\n")
    assert "warning: nb:tagged: unknown field(s) for function.lua: security (ignored)" \
        in res.stderr
    assert ok(kc, 'funcs.call("nb:tagged")').result == "5"
