"""The examples/hello app through the Python API and the `wippy` CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HELLO = Path(__file__).resolve().parents[2] / "examples" / "hello"


def wippy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wippy_runtime", *args], capture_output=True,
                          text=True, timeout=120)


def test_hello_loads_without_errors(runtime):
    report = runtime.load(HELLO)
    assert [str(e) for e in report.errors] == []
    kinds = {i.id: i.kind for i in runtime.describe()}
    assert kinds["ns:square"] == "function.wasm"
    assert kinds["ns:assets"] == "fs.directory"


def test_hello_values_from_python(runtime):
    runtime.load(HELLO)
    assert runtime.call("ns:answer") == 42
    assert runtime.call("ns:compute", 6, 7) == 13
    assert runtime.call("ns:multiply", 6, 7) == 42
    assert runtime.call("ns:square", 3_000_000_000) == 9_000_000_000_000_000_000
    report = runtime.call("ns:report", 3, 4)
    assert report["sum"] == 7 and report["hypot2"] == 25 and report["squared"] == 49


def test_component_and_core_detected(runtime):
    runtime.load(HELLO)
    info = {i.id: i for i in runtime.describe()}
    assert info["ns:square"].detail["module"] == "component"
    assert info["ns:multiply"].detail["module"] == "core"
    assert info["ns:square"].signature == "square: func(x: s64) -> s64"


def test_cli_test_passes():
    proc = wippy("test", str(HELLO))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 passed, 0 failed" in proc.stdout


def test_cli_call_prints_13():
    proc = wippy("call", str(HELLO), "ns:compute", "6", "7")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "13"


def test_cli_call_json_last_line():
    proc = wippy("call", str(HELLO), "ns:report", "3", "4", "--json")
    assert proc.returncode == 0
    last = json.loads(proc.stdout.strip().splitlines()[-1])
    assert last["ok"] is True and last["result"]["product"] == 12


def test_cli_call_error_exit_code():
    proc = wippy("call", str(HELLO), "ns:divide", "1", "0")
    assert proc.returncode == 1
    assert "ns:divide: wasm trap: integer divide by zero" in proc.stderr


def test_cli_entries_json_lists_signatures():
    proc = wippy("entries", str(HELLO), "--json")
    assert proc.returncode == 0
    doc = json.loads(proc.stdout.strip().splitlines()[-1])
    sigs = {e["id"]: e["signature"] for e in doc["entries"]}
    assert sigs["ns:compute"] == "compute: func(a: s32, b: s32) -> s32"
    assert doc["errors"] == []


def test_cli_test_fails_on_failing_test(write_app):
    app = write_app({"_index.yaml": """
namespace: t
entries:
  - name: ok
    kind: function.lua
    meta: {type: test}
    source: "return { main = function() return true end }"
    method: main
  - name: broken
    kind: function.lua
    meta: {type: test}
    source: "return { main = function() error('expected failure') end }"
    method: main
"""})
    proc = wippy("test", str(app), "--json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout.strip().splitlines()[-1])
    assert doc["passed"] == 1 and doc["failed"] == 1
    broken = next(t for t in doc["tests"] if t["id"] == "t:broken")
    assert "expected failure" in broken["error"]


def test_example_binaries_are_reproducible():
    proc = subprocess.run([sys.executable, str(HELLO / "build.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
