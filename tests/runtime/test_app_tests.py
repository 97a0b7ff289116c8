"""`wippy test`: suites, statuses (runtime error, load error, false, timeout), the per-suite
table and the JSON result."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from wippy_runtime import Runtime
from wippy_runtime.app_tests import (
    LOAD_ERROR,
    PASSED,
    RUNTIME_ERROR,
    TIMEOUT,
    run_tests,
    summarize,
)

APP = """namespace: t
entries:
  - name: ok
    kind: function.lua
    meta: {type: test, suite: alpha}
    source: "return { main = function() return true end }"
    method: main
  - name: boom
    kind: function.lua
    meta: {type: test, suite: alpha}
    source: "return { main = function() error('expected failure') end }"
    method: main
  - name: falsy
    kind: function.lua
    meta: {type: test, suite: beta}
    source: "return { main = function() return false end }"
    method: main
  - name: unloadable
    kind: function.lua
    meta: {type: test, suite: beta}
    modules: [nosuch]
    source: "return { main = function() return true end }"
    method: main
  - name: nosuite
    kind: function.lua
    meta: {type: test}
    source: "return { main = function() return nil end }"
    method: main
  - name: helper
    kind: function.lua
    source: "return { main = function() return true end }"
    method: main
"""

HANG = """namespace: h
entries:
  - name: hangs
    kind: function.lua
    meta: {type: test, suite: slow}
    modules: [time]
    source: "return { main = function() while true do time.sleep(10 * time.MILLISECOND) end end }"
    method: main
  - name: after
    kind: function.lua
    meta: {type: test, suite: slow}
    source: "return { main = function() return true end }"
    method: main
"""


def wippy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wippy_runtime", *args], capture_output=True,
                          text=True, timeout=120)


def test_results_carry_suite_and_cause(write_app):
    app = write_app({"_index.yaml": APP})
    with Runtime(cache_dir=False) as rt:
        rt.load(app)
        results = {r.id: r for r in run_tests(rt)}
    assert set(results) == {"t:ok", "t:boom", "t:falsy", "t:unloadable", "t:nosuite"}
    assert results["t:ok"].status == PASSED and results["t:ok"].suite == "alpha"
    boom = results["t:boom"]
    assert boom.status == RUNTIME_ERROR
    assert boom.error == "Lua error: t:boom:1: expected failure"   # one line, no traceback
    assert results["t:falsy"].error == "test returned false"
    load = results["t:unloadable"]
    assert load.status == LOAD_ERROR and "unknown module 'nosuch'" in load.error
    assert results["t:nosuite"].suite == "other" and results["t:nosuite"].ok
    table = {s.name: (s.passed, s.failed) for s in summarize(list(results.values()))}
    assert table == {"alpha": (1, 1), "beta": (0, 2), "other": (1, 0)}


def test_a_hanging_test_times_out_and_the_run_goes_on(write_app):
    app = write_app({"_index.yaml": HANG})
    with Runtime(cache_dir=False) as rt:
        rt.load(app)
        t0 = time.monotonic()
        results = {r.id: r for r in run_tests(rt, timeout=0.5)}
        elapsed = time.monotonic() - t0
    assert results["h:hangs"].status == TIMEOUT
    assert results["h:hangs"].error == "timed out after 0.5 s"
    assert results["h:after"].ok
    assert elapsed < 30  # the hang did not hold the run (a generous bound, not a benchmark)


def test_filter_runs_matching_tests_only(write_app):
    app = write_app({"_index.yaml": APP})
    with Runtime(cache_dir=False) as rt:
        rt.load(app)
        assert [r.id for r in run_tests(rt, patterns=["ok", "falsy"])] == ["t:ok", "t:falsy"]


def test_cli_prints_a_table_per_suite_and_one_line_causes(write_app):
    app = write_app({"_index.yaml": APP})
    proc = wippy("test", str(app), "-q")
    assert proc.returncode == 2, proc.stdout + proc.stderr  # a load error: exit code 2
    out = proc.stdout
    assert "FAIL t:boom" in out and "runtime error: Lua error: t:boom:1: expected failure" in out
    assert "FAIL t:unloadable  load error: _index.yaml:" in out  # path relative to the app
    assert "PASS" not in out  # -q: failures only
    rows = {line.split()[1]: line.split()[2:] for line in out.splitlines()
            if line.startswith("│")}
    assert rows["alpha"] == ["│", "1", "│", "1", "│", "2", "│"]
    assert rows["beta"] == ["│", "0", "│", "2", "│", "2", "│"]
    assert "2 passed, 3 failed (1 failed, 1 load error, 1 runtime error)" in out
    assert "PASS t:ok" in wippy("test", str(app)).stdout


def test_cli_json_has_suites_and_statuses(write_app):
    app = write_app({"_index.yaml": HANG})
    proc = wippy("test", str(app), "--json", "--timeout", "0.5")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout.strip().splitlines()[-1])
    assert doc["suites"] == {"slow": {"passed": 1, "failed": 1}}
    hang = next(t for t in doc["tests"] if t["id"] == "h:hangs")
    assert hang["suite"] == "slow" and hang["status"] == "timeout" and hang["ok"] is False
