"""`wippy run APP -x ns:entry` and `wippy run APP COMMAND`: one process entry run to completion
on the app's terminal host, with the CLI's stdin/stdout/stderr and arguments (`io`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

APP = """namespace: app
entries:
  - name: terminal
    kind: terminal.host
  - name: greet
    kind: process.lua
    meta:
      command: {name: greet, short: Greets someone}
    modules: [io]
    method: main
    source: |
      local function main(...)
        io.write("name? ")
        io.flush()
        local name = io.readline()
        local chunk = io.read(3)
        io.print("hello", name, chunk, #io.args(), ...)
        io.eprint("bye")
        local rest, err = io.readline()
        io.print("then", rest, err)
        return 4
      end
      return main
  - name: broken_cmd
    kind: process.lua
    meta:
      command: {name: broken}
    modules: [nosuch]
    method: main
    source: "return main"
  - name: plain
    kind: function.lua
    method: main
    source: "return { main = function() return 1 end }"
"""


def wippy(app: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wippy_runtime", "run", str(app), *args],
                          input=stdin, capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(REPO / "runtime"), "PATH": "/usr/bin:/bin"})


def test_run_x_runs_one_entry_on_the_terminal(write_app):
    app = write_app({"_index.yaml": APP})
    proc = wippy(app, "-s", "-x", "app:greet", "one", "two", stdin="bob\nxyz")
    assert proc.returncode == 4, proc.stderr
    assert proc.stdout == "name? hello\tbob\txyz\t2\tone\ttwo\nthen\tnil\tEOF\n"
    assert proc.stderr == "bye\n"


def test_run_command_uses_the_same_terminal(write_app):
    app = write_app({"_index.yaml": APP})
    proc = wippy(app, "-s", "-c", "greet", "--json", stdin="amy\nabclast\n")
    assert proc.returncode == 4, proc.stderr
    assert proc.stdout.splitlines() == ["name? hello\tamy\tabc\t1\t--json",
                                        "then\tlast\tnil"]


@pytest.mark.parametrize("args, message", [
    (("-x", "app:plain"), "app:plain is a function.lua; -x runs process entries"),
    (("-x", "app:nope"), "app:nope: no such entry"),
    (("-x", "nope"), "-x expects namespace:entry"),
    (("-x", "app:greet", "--host", "app:greet"), "--host app:greet: not a terminal.host"),
    (("--frobnicate", "greet"), "unknown option --frobnicate"),
    (("broken",), "command 'broken' (app:broken_cmd) failed to load:"),
    (("nosuch",), "no command 'nosuch' (commands: greet)"),
])
def test_run_x_errors_are_clear(write_app, args, message):
    app = write_app({"_index.yaml": APP})
    proc = wippy(app, *args)
    assert proc.returncode in (1, 2) and message in proc.stderr, proc.stderr


def test_several_terminal_hosts_need_host(write_app):
    app = write_app({"_index.yaml": APP + "  - name: other\n    kind: terminal.host\n"})
    proc = wippy(app, "-x", "app:greet", stdin="a\nb")
    assert proc.returncode == 1 and "choose one with --host" in proc.stderr
    proc = wippy(app, "-x", "app:greet", "--host", "app:other", stdin="a\nb")
    assert proc.returncode == 4, proc.stderr
