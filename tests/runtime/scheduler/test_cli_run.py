"""`wippy run APP COMMAND args...` and `wippy run APP list` (meta.command process entries)."""

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

APP = """
version: "1.0"
namespace: app
entries:
  - name: processes
    kind: process.host
  - name: hello
    kind: process.lua
    meta:
      command:
        name: hello
        short: Say hello
    method: main
    modules: [time]
    source: |
      local function main(name, extra)
        time.sleep("5ms")
        print("Hello, " .. name .. "! " .. type(name) .. " " .. tostring(extra))
        if name == "exit3" then return 3 end
        if name == "fail" then error("failing on purpose") end
        return 0
      end
      return { main = main }
"""


def wippy(app: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(REPO / "runtime"), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "wippy_runtime", "run", str(app), *args],
                          capture_output=True, text=True, env=env, timeout=60)


def test_run_command_list_and_exit_codes(tmp_path):
    (tmp_path / "_index.yaml").write_text(APP)
    r = wippy(tmp_path, "hello", "World")
    assert r.returncode == 0, r.stderr
    assert "Hello, World! string nil" in r.stdout
    r = wippy(tmp_path, "hello", "42", "x")
    assert "Hello, 42! string x" in r.stdout     # args are strings, not JSON
    assert wippy(tmp_path, "hello", "exit3").returncode == 3
    r = wippy(tmp_path, "hello", "fail")
    assert r.returncode == 1 and "failing on purpose" in r.stderr
    r = wippy(tmp_path, "nope")
    assert r.returncode == 1 and "hello" in r.stderr
    r = wippy(tmp_path, "list", "--json")
    assert json.loads(r.stdout.strip().splitlines()[-1]) == {"commands": [
        {"name": "hello", "entry": "app:hello", "kind": "process.lua", "short": "Say hello"}]}
