"""Running an app's tests: `function.lua` entries with `meta.type: test`, grouped by `meta.suite`.

A test passes when its call returns anything but `false` (Wippy's runner's rule). Each test runs
on its own thread with a deadline, so one that hangs (a receive nobody sends to, an endless
loop) fails as a timeout and the run goes on: on timeout every execution is interrupted (the
runtime stays usable) and the thread is given a moment to unwind. Entries that failed to load
are reported as tests too, so a run never silently shrinks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from .errors import WippyError
from .runtime import Runtime

#: status values of a TestResult: passed, returned false, raised (or returned nil, err),
#: did not load, ran past its deadline
PASSED, FAILED, RUNTIME_ERROR, LOAD_ERROR, TIMEOUT = (
    "passed", "failed", "runtime error", "load error", "timeout")
#: the suite of tests without `meta.suite`
NO_SUITE = "other"
DEFAULT_TIMEOUT = 30.0


@dataclass
class TestResult:
    id: str
    suite: str
    status: str
    #: why it failed, one line ("" when it passed)
    error: str = ""
    ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == PASSED

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


@dataclass
class SuiteSummary:
    name: str
    passed: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.passed + self.failed


def _is_test(entry: Any) -> bool:
    meta = entry.meta if isinstance(entry.meta, dict) else {}
    return entry.kind == "function.lua" and meta.get("type") == "test"


def _suite(entry: Any) -> str:
    suite = entry.meta.get("suite") if isinstance(entry.meta, dict) else None
    return str(suite) if suite else NO_SUITE


def _one_line(text: str) -> str:
    return text.strip().split("\n", 1)[0]


def run_tests(runtime: Runtime, *, timeout: float = DEFAULT_TIMEOUT,
              patterns: list[str] | None = None,
              on_result: Callable[[TestResult], None] | None = None) -> list[TestResult]:
    """Run every test of the loaded app (those whose id contains one of `patterns`, when
    given), suite by suite; return the results in that order."""
    def wanted(entry_id: str) -> bool:
        return not patterns or any(p in entry_id for p in patterns)

    loaded = [e for e in runtime.entries.values() if _is_test(e) and wanted(e.id)]
    broken = [(e, err) for e, err in runtime.failed.values()
              if _is_test(e) and e.id not in runtime.built and wanted(e.id)]
    results: list[TestResult] = []
    for entry in sorted(loaded, key=lambda e: (_suite(e), e.id)):
        result = run_one(runtime, entry.id, _suite(entry), timeout)
        results.append(result)
        if on_result is not None:
            on_result(result)
    for entry, err in sorted(broken, key=lambda pair: (_suite(pair[0]), pair[0].id)):
        message = getattr(err, "message", None) or str(err)
        where = f"{err.file}:{err.line}: " if getattr(err, "file", None) and err.line else ""
        result = TestResult(entry.id, _suite(entry), LOAD_ERROR, _one_line(where + message))
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results


def run_one(runtime: Runtime, entry_id: str, suite: str, timeout: float) -> TestResult:
    outcome: dict[str, Any] = {}

    def body() -> None:
        try:
            outcome["value"] = runtime.call(entry_id)
        except BaseException as exc:  # reported as the test's failure, whatever it is
            outcome["error"] = exc

    t0 = time.perf_counter()
    worker = threading.Thread(target=body, name=f"wippy-test {entry_id}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        runtime.interrupt()
        worker.join(5.0)
        ms = round((time.perf_counter() - t0) * 1000, 3)
        return TestResult(entry_id, suite, TIMEOUT, f"timed out after {timeout:g} s", ms)
    ms = round((time.perf_counter() - t0) * 1000, 3)
    exc = outcome.get("error")
    if exc is not None:
        text = str(exc) if isinstance(exc, WippyError) else f"{type(exc).__name__}: {exc}"
        prefix = f"{entry_id}: "
        text = text[len(prefix):] if text.startswith(prefix) else text
        return TestResult(entry_id, suite, RUNTIME_ERROR, _one_line(text), ms)
    if outcome.get("value") is False:
        return TestResult(entry_id, suite, FAILED, "test returned false", ms)
    return TestResult(entry_id, suite, PASSED, "", ms)


def summarize(results: list[TestResult]) -> list[SuiteSummary]:
    """Per-suite counts, sorted by suite name."""
    suites: dict[str, SuiteSummary] = {}
    for r in results:
        s = suites.setdefault(r.suite, SuiteSummary(r.suite))
        if r.ok:
            s.passed += 1
        else:
            s.failed += 1
    return [suites[name] for name in sorted(suites)]


def iter_failures(results: list[TestResult]) -> Iterator[TestResult]:
    return (r for r in results if not r.ok)
