"""The CLI under hostile input: markup and emoji codes in ids and errors print literally,
wrong argument counts and failed loads are clean errors, Ctrl-C stops running WASM and Lua on
the first press (exit 130), `--timeout` stops them (exit 124); never a Python traceback."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": f"{REPO / 'runtime'}{os.pathsep}{REPO}",
       "COLUMNS": "200"}
APP = """version: "1.0"
namespace: ns
entries:
  - name: add
    kind: function.wat
    method: add
    source: '(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))'
  - name: spin
    kind: function.wat
    method: spin
    pool: {type: inline}
    source: '(module (func (export "spin") (loop $l br $l)))'
  - name: lspin
    kind: function.lua
    method: main
    source: 'return { main = function() while true do end end }'
  - name: wspin
    kind: function.lua
    method: main
    modules: [funcs]
    source: 'return { main = function() print("spinning") return funcs.call("ns:spin") end }'
  - name: lspin_ready
    kind: function.lua
    method: main
    source: 'return { main = function() print("spinning") while true do end end }'
  - name: pbomb
    kind: function.lua
    method: main
    source: 'return { main = function() return string.find(("a"):rep(40), ("a*"):rep(40) .. "b") end }'
  - name: boom
    kind: function.lua
    method: main
    source: 'return { main = function() error("[bold]x[/b] :boom: [red]") end }'
  - name: echo
    kind: function.lua
    method: main
    source: 'return { main = function(s) return s end }'
  - name: forever
    kind: process.lua
    meta: {command: {name: forever}}
    method: main
    source: 'return { main = function() print("spinning") while true do end end }'
  - name: broken
    kind: function.lua
    method: main
    source: 'return { main = function( end }'
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    d = tmp_path_factory.mktemp("cliapp")
    (d / "_index.yaml").write_text(APP)
    return d


def wippy(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "wippy_runtime", *map(str, args)],
                          capture_output=True, text=True, env=ENV, timeout=timeout)


def assert_clean(proc):
    assert "Traceback (most recent call last)" not in proc.stderr + proc.stdout


def test_markup_in_an_entry_id_prints_literally(app):
    proc = wippy("call", app, "ns:x[/b]")
    assert_clean(proc)
    assert proc.returncode == 1
    assert "ns:x[/b]" in proc.stderr
    assert wippy("call", app, "ns:add", 1, 2).stdout.strip() == "3"


def test_emoji_codes_and_markup_in_errors_print_literally(app):
    proc = wippy("call", app, "ns:boom")
    assert_clean(proc)
    assert proc.returncode == 1
    assert ":boom:" in proc.stderr and "[bold]x[/b]" in proc.stderr and "[red]" in proc.stderr
    assert "\U0001f4a5" not in proc.stderr
    assert "ns:boom" in proc.stderr


@pytest.mark.parametrize("value", ["[/]", ":smile:", "[link=x]y[/link]"])
def test_markup_in_values_prints_literally(app, value):
    proc = wippy("call", app, "ns:echo", value)
    assert_clean(proc)
    assert proc.stdout.strip() == value


def test_wrong_argument_count_is_a_clean_error(app):
    proc = wippy("call", app, "ns:add", 1)
    assert_clean(proc)
    assert proc.returncode == 1
    assert "expected 2 arguments, got 1" in proc.stderr and "ns:add" in proc.stderr


def test_calling_an_entry_that_failed_to_load_says_so(app):
    proc = wippy("call", app, "ns:broken")
    assert_clean(proc)
    assert proc.returncode == 2
    assert "ns:broken is not defined: it failed to load" in proc.stderr
    assert "syntax error" in proc.stderr


@pytest.mark.parametrize("entry", ["ns:spin", "ns:lspin", "ns:pbomb"])
def test_timeout_stops_running_wasm_and_lua(app, entry):
    t0 = time.monotonic()
    proc = wippy("call", app, entry, "--timeout", "0.5")
    assert time.monotonic() - t0 < 20
    assert_clean(proc)
    assert proc.returncode == 124
    assert "timed out after 0.5 s" in proc.stderr


@pytest.mark.parametrize("entry", ["ns:wspin", "ns:lspin_ready"])
def test_first_ctrl_c_stops_the_call_with_exit_130(app, entry):
    """WASM (called from Lua) and Lua spinning: one SIGINT, exit 130."""
    proc = subprocess.Popen([sys.executable, "-m", "wippy_runtime", "call", str(app), entry],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    assert proc.stdout.readline().strip() == "spinning"  # loaded, and now in the loop
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=15)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert "interrupted" in err and "Traceback" not in err


@pytest.mark.parametrize("args", [["call"], ["call", "/nonexistent/app", "ns:x"],
                                  ["call", "{app}", "ns:add", "--timeout", "-1"],
                                  ["call", "{app}", "ns:add", "--timeout", "soon"],
                                  ["call", "{app}", "not an id"],
                                  ["call", "{app}", "ns:add", "{\"a\":", "1"],
                                  ["run", "{app}", "nope"]])
def test_bad_command_lines_never_trace_back(app, args):
    proc = wippy(*[a.replace("{app}", str(app)) for a in args])
    assert_clean(proc)
    assert proc.returncode != 0


def test_run_timeout_stops_a_command(app):
    proc = wippy("run", app, "--timeout", "0.5", "forever")
    assert_clean(proc)
    assert proc.returncode == 124 and "timed out after 0.5 s" in proc.stderr
    assert wippy("run", app, "--timeout", "soon", "forever").returncode == 2


def test_first_ctrl_c_stops_a_running_command_with_exit_130(app):
    proc = subprocess.Popen([sys.executable, "-m", "wippy_runtime", "run", str(app), "forever"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    assert proc.stdout.readline().strip() == "spinning"
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=15)
    finally:
        proc.kill()
    assert proc.returncode == 130 and "Traceback" not in err
