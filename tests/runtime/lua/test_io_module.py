"""The `io` module: the CLI terminal under `wippy run`, the output hook in a notebook, and
"no terminal context" everywhere else."""

from __future__ import annotations

import pytest
from wippy_runtime import Runtime
from wippy_runtime.errors import UNAVAILABLE, ValidationError

IO_PROBE = """return { main = function()
  local w = io.write("a", 1, true)
  local p = io.print("x", nil, 2.5)
  local e = io.eprint("warn", errors.new("bad"))
  local line, lerr = io.readline()
  local raw, rerr = io.raw(true)
  return { w = w, p = p, e = e, line = line == nil, lerr = lerr and lerr:kind(),
           lmsg = lerr and lerr:message(), nargs = #io.args(), flush = io.flush(),
           raw = raw, rmsg = rerr and rerr:message() }
end }"""


def define(rt: Runtime, source: str) -> None:
    rt.define({"id": "t:io", "kind": "function.lua", "method": "main", "modules": ["io"],
               "source": source})


def test_io_writes_through_the_output_hooks_like_a_notebook_cell():
    out: list[str] = []
    err: list[str] = []
    with Runtime(cache_dir=False, output=out.append, error_output=err.append) as rt:
        define(rt, IO_PROBE)
        result = rt.call("t:io")
    assert "".join(out) == "a1truex\tnil\t2.5\n"
    assert "".join(err) == "warn\tbad\n"
    assert result == {"w": True, "p": True, "e": True, "line": True, "lerr": UNAVAILABLE,
                      "lmsg": "no terminal input here (stdin is only available to `wippy run`)",
                      "nargs": 0, "flush": True, "rmsg": "raw terminal control unavailable"}


def test_without_a_terminal_io_returns_no_terminal_context():
    with Runtime(cache_dir=False) as rt:
        define(rt, """return { main = function()
          local ok, err = io.print("lost")
          local w, werr = io.write("lost")
          return { ok = ok == nil, kind = err:kind(), msg = err:message(),
                   retry = err:retryable(), w = w == nil and werr:message(), n = #io.args() }
        end }""")
        assert rt.call("t:io") == {"ok": True, "kind": UNAVAILABLE, "msg": "no terminal context",
                                   "retry": False, "w": "no terminal context", "n": 0}


def test_read_rejects_a_bad_count():
    with Runtime(cache_dir=False, output=lambda _t: None) as rt:
        define(rt, """return { main = function()
          local v, err = io.read("ten") return err:message() end }""")
        assert rt.call("t:io") == "io.read: n must be an integer"


def test_terminal_host_fields_are_checked():
    with Runtime(cache_dir=False) as rt:
        with pytest.raises(ValidationError, match="t:h: hide_logs must be true or false"):
            rt.define({"id": "t:h", "kind": "terminal.host", "hide_logs": "no"})
        rt.define({"id": "t:h", "kind": "terminal.host", "hide_logs": True})
        assert rt.built["t:h"].info().detail == {"hide_logs": True}
