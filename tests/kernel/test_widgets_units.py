"""The widget classes in-process (no kernel): the refresher's thread lifecycle, pool rows
following the runtime, and the imports / trace data. Fast checks of what the protocol and
browser tests can only see from outside."""

from __future__ import annotations

import threading
import time

import pytest

from wippy_kernel.widgets import (
    ImportsWidget,
    LiveRefresher,
    PoolsWidget,
    TraceWidget,
    imports_reports,
    trace_html,
)
from wippy_kernel.widgets.pools import fmt_duration

ADD = ('(module (func (export "add") (param i32 i32) (result i32) '
       'local.get 0 local.get 1 i32.add))')
P1 = ('(module (import "wasi_snapshot_preview1" "fd_write" '
      '(func (param i32 i32 i32 i32) (result i32))) (import "env" "log" (func (param i32))) '
      '(func (export "f") (result i32) i32.const 7))')


def define_add(runtime, source: str = ADD) -> None:
    runtime.define({"id": "w:add", "kind": "function.wat", "method": "add", "source": source})


def wait_until(pred, seconds: float = 3.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


class Fake:
    """A refreshable stand-in: counts refreshes, can fail, can be 'closed' (comm None)."""

    def __init__(self, fail: bool = False) -> None:
        self.comm: object | None = object()
        self.count = 0
        self.fail = fail

    def refresh(self) -> None:
        self.count += 1
        if self.fail:
            raise RuntimeError("broken view")


def test_refresher_thread_runs_only_while_something_is_watched():
    ref = LiveRefresher(interval=0.02)
    assert ref.thread is None
    w = Fake()
    ref.watch(w)
    assert wait_until(lambda: w.count >= 3)
    w.comm = None  # widget.close() in the kernel
    assert wait_until(lambda: ref.thread is None)
    assert ref.watched == []
    n = w.count
    time.sleep(0.1)
    assert w.count == n
    # a later watch starts a new thread
    w2 = Fake()
    ref.watch(w2)
    assert wait_until(lambda: w2.count >= 1)
    ref.stop()
    assert ref.thread is None and ref.watched == []
    assert "wippy-widgets" not in [t.name for t in threading.enumerate()]


def test_refresher_drops_a_failing_view_and_keeps_the_others():
    ref = LiveRefresher(interval=0.02)
    bad, good = Fake(fail=True), Fake()
    ref.watch(bad)
    ref.watch(good)
    assert wait_until(lambda: good.count >= 5)
    assert bad.count == 1 and ref.watched == [good]
    ref.stop()


def test_refresher_forgets_a_view_whose_comm_the_front_end_closes():
    class Comm:
        def __init__(self) -> None:
            self.callbacks = []

        def on_close(self, cb) -> None:
            self.callbacks.append(cb)

    ref = LiveRefresher(interval=0.02)
    w = Fake()
    w.comm = Comm()
    ref.watch(w)
    assert ref.watched == [w]
    for cb in w.comm.callbacks:
        cb({"content": {}})
    assert ref.watched == []
    ref.stop()


def test_pools_widget_follows_runtime(runtime):
    define_add(runtime)
    w = PoolsWidget(runtime)
    assert list(w._rows) == ["w:add"]
    row = w._rows["w:add"]
    assert row.cells["calls"].value == "0" and row.cells["mean"].value == "-"
    runtime.call("w:add", 1, 2)
    w.refresh()
    assert row.cells["calls"].value == "1" and row.cells["last"].value.endswith("s")
    # busy out of the instances that exist: idle now, one instance made (not 0/100)
    assert row.bar.value == 0 and row.bar.max == 1 and row.cells["instances"].value == "0/1"
    assert row.cells["p95"].value.endswith("s")
    # a new entry adds a row; a redefinition bumps the generation in place
    runtime.define({"id": "w:p1", "kind": "function.wat", "method": "f", "source": P1})
    define_add(runtime, ADD.replace("i32.add", "i32.sub"))
    w.refresh()
    assert list(w._rows) == ["w:add", "w:p1"]
    assert w._rows["w:add"].cells["generation"].value == "2"
    assert len(w.children) == 4 and "2 pool(s)" in w.heading.value
    w.close()
    assert w.comm is None and w._rows == {}
    w.refresh()  # a refresh racing the close is harmless


def test_pools_widget_marks_errors(runtime):
    define_add(runtime)
    with pytest.raises(Exception, match="expected s32"):
        runtime.call("w:add", "x", 1)
    w = PoolsWidget(runtime)
    row = w._rows["w:add"]
    assert row.cells["errors"].value == "1"
    assert "wippy-has-errors" in row.cells["errors"]._dom_classes
    assert row.bar.bar_style == "danger"


def test_sparkline_and_rate_meter():
    from wippy_kernel.widgets.pools import RateMeter, sparkline

    assert sparkline([]) == "-"
    assert sparkline([0, 5, 10]) == "▁▅█ 10/s"
    assert sparkline([0.0, 0.0]) == "▁▁ 0.0/s"
    meter = RateMeter(0)
    meter.last = (meter.last[0] - 1.0, 0)  # one second ago, 0 calls
    meter.sample(40)
    assert 30 < meter.rates[-1] <= 40


def test_pools_widget_says_when_it_is_no_longer_live(runtime):
    define_add(runtime)
    w = PoolsWidget(runtime)
    assert "live" in w.heading.value and "not live" not in w.heading.value
    w.stopped()
    assert "not live" in w.heading.value


@pytest.mark.parametrize("us, text", [(None, "-"), (12.34, "12.3 µs"), (1500, "1.50 ms"),
                                      (2_500_000, "2.500 s")])
def test_fmt_duration(us, text):
    assert fmt_duration(us) == text


def test_imports_reports(runtime):
    define_add(runtime)
    runtime.define({"id": "w:p1", "kind": "function.wat", "method": "f", "source": P1,
                    "imports": ["wasi1"]})
    reports = {r.entry: r for r in imports_reports(runtime)}
    assert set(reports) == {"w:add", "w:p1"}
    p1 = reports["w:p1"]
    assert p1.declared == ["wasi1"] and p1.unused == []
    rows = {r.name: r for r in p1.rows}
    fd, log = rows["wasi_snapshot_preview1#fd_write"], rows["env#log"]
    assert fd.linked and fd.profile == "wasi1" and fd.add == []
    assert not log.linked and log.profile is None and log.add == []
    assert p1.summary() == "w:p1: 1 linked, 1 stubbed"
    with pytest.raises(KeyError):
        imports_reports(runtime, "no:such")
    w = ImportsWidget(list(reports.values()))
    assert w.children[1].titles == ("w:add: 0 linked, 0 stubbed", "w:p1: 1 linked, 1 stubbed")


def test_trace_html_nests_children_and_escapes(runtime):
    runtime.define({"id": "w:echo", "kind": "function.lua", "method": "echo",
                    "source": "return { echo = function(s) return s end }"})
    runtime.tracer.start()
    runtime.call("w:echo", "<b>&")
    html = trace_html(runtime.tracer.trees())
    assert "w:echo(&#x27;&lt;b&gt;&amp;&#x27;)" in html and "<b>&" not in html
    w = TraceWidget(runtime.tracer, limit=0)
    assert "0 tree(s)" in w.heading.value and "no calls recorded" in w.tree.value
    w = TraceWidget(runtime.tracer)
    assert "1 tree(s), 1 call(s)" in w.heading.value
    runtime.call("w:echo", "again")
    w.refresh()  # a live refresh: new calls were recorded
    assert "2 tree(s)" in w.heading.value and "again" in w.tree.value
    assert w.tree.value.index("again") < w.tree.value.index("&lt;b&gt;")  # newest first
    w.filter.value = "nomatch"
    assert "0 tree(s)" in w.heading.value


def test_imports_reports_component_resource_units_name_the_extra_profile(runtime, tmp_path):
    """`wasi:cli` declared alone cannot link stdout: it shares `output-stream` with
    `wasi:io`, and the widget must say to add `wasi:io`, not just `wasi:cli`."""
    import hashlib
    from pathlib import Path

    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "hosts"
    wasm = fixtures / "hosts.component.wasm"
    runtime.define({"id": "t:wasm", "kind": "fs.directory", "directory": str(fixtures)},
                   base_dir=tmp_path)
    runtime.define({"id": "t:c", "kind": "function.wasm", "fs": "t:wasm", "path": wasm.name,
                    "hash": "sha256:" + hashlib.sha256(wasm.read_bytes()).hexdigest(),
                    "method": "random", "imports": ["wasi:random", "wasi:cli"]},
                   base_dir=tmp_path)
    (report,) = imports_reports(runtime, "t:c")
    rows = {r.name.split("@")[0]: r for r in report.rows}
    assert rows["wasi:random/random"].linked
    stdout = rows["wasi:cli/stdout"]
    assert not stdout.linked and stdout.profile == "wasi:cli" and "wasi:io" in stdout.add
    assert rows["wippy:runtime/funcs"].add == ["funcs"]
    html = ImportsWidget([report]).children[1].children[0].value
    assert "add <code>wasi:io</code> to imports" in html
