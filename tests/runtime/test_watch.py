"""ProjectWatcher: edits to a loaded project's files replace exactly the changed entries."""

from __future__ import annotations

import os
import threading
import time

from wippy_runtime.watch import ProjectWatcher

INDEX = """namespace: w
entries:
  - name: one
    kind: function.wat
    source: file://one.wat
    method: f
  - name: two
    kind: function.lua
    source: "return { main = function() return 2 end }"
    method: main
"""


def wat(n: int) -> str:
    return f'(module (func (export "f") (result i32) i32.const {n}))'


def touch_later(path, text):
    path.write_text(text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_source_file_edit_replaces_only_that_entry(runtime, write_app):
    app = write_app({"_index.yaml": INDEX, "one.wat": wat(1)})
    runtime.load(app)
    watcher = ProjectWatcher(runtime, app, on_change=lambda e: None)
    two_before = runtime.targets["w:two"]
    touch_later(app / "one.wat", wat(11))
    event = watcher.poll()
    assert event.replaced == ["w:one"] and event.added == [] and event.errors == []
    assert runtime.call("w:one") == 11
    assert runtime.targets["w:two"] is two_before  # untouched
    assert watcher.poll() is None  # nothing more changed


def test_yaml_edit_adds_replaces_and_removes(runtime, write_app):
    app = write_app({"_index.yaml": INDEX, "one.wat": wat(1)})
    runtime.load(app)
    watcher = ProjectWatcher(runtime, app, on_change=lambda e: None)
    touch_later(app / "_index.yaml", INDEX.replace("return 2", "return 22").replace(
        "  - name: one\n    kind: function.wat\n    source: file://one.wat\n    method: f\n",
        "  - name: three\n    kind: function.lua\n"
        "    source: \"return { main = function() return 3 end }\"\n    method: main\n"))
    event = watcher.poll()
    assert (event.replaced, event.added, event.removed) == (["w:two"], ["w:three"], ["w:one"])
    assert runtime.call("w:two") == 22 and runtime.call("w:three") == 3
    assert "w:one" not in runtime.entries


def test_broken_edit_keeps_old_version_and_reports(runtime, write_app):
    app = write_app({"_index.yaml": INDEX, "one.wat": wat(1)})
    runtime.load(app)
    watcher = ProjectWatcher(runtime, app, on_change=lambda e: None)
    touch_later(app / "one.wat", "(module (func (export")
    event = watcher.poll()
    assert event.replaced == ["w:one"]
    assert len(event.errors) == 1 and "invalid WAT" in str(event.errors[0])
    assert runtime.call("w:one") == 1
    assert "error(s)" in event.summary()


def test_thread_calls_back(runtime, write_app):
    app = write_app({"_index.yaml": INDEX, "one.wat": wat(1)})
    runtime.load(app)
    seen = []
    done = threading.Event()
    watcher = ProjectWatcher(runtime, app, on_change=lambda e: (seen.append(e), done.set()),
                             interval=0.05).start()
    try:
        touch_later(app / "one.wat", wat(5))
        assert done.wait(10), "the watcher did not notice the edit"
    finally:
        watcher.stop()
    assert seen[0].replaced == ["w:one"] and not watcher.running
    deadline = time.monotonic() + 5
    while runtime.call("w:one") != 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert runtime.call("w:one") == 5
