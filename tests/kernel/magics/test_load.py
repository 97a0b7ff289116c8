"""`%%load` over a real kernel process."""

from __future__ import annotations

import time

from ..helpers import ok
from .conftest import ADD, widget_with_fallback  # noqa: F401


def _wait_for_notice(kc, needle: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=0.5)
        except Exception:  # queue.Empty
            continue
        if msg["msg_type"] == "stream" and needle in msg["content"]["text"]:
            return msg["content"]["text"]
    raise AssertionError(f"no notice containing {needle!r}")

def test_load_watch_replaces_changed_entries_live(kc, tmp_path):
    app = tmp_path / "proj"
    app.mkdir()
    index = app / "_index.yaml"
    index.write_text('namespace: wt\nentries:\n  - name: v\n    kind: function.lua\n'
                     '    source: "return { main = function() return 1 end }"\n'
                     '    method: main\n')
    assert "watching" in ok(kc, f"%load {app} --watch").stdout
    assert ok(kc, 'funcs.call("wt:v")').result == "1"
    index.write_text(index.read_text().replace("return 1", "return 2"))
    st = index.stat()
    import os
    os.utime(index, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    notice = _wait_for_notice(kc, "[watch]")
    assert "replaced wt:v" in notice
    assert ok(kc, 'funcs.call("wt:v")').result == "2"
    assert "stopped watching" in ok(kc, f"%load {app} --stop").stdout
