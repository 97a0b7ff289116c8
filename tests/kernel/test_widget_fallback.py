"""What viewers without a widget manager see, and what a live view says when its kernel goes
away: nbconvert renders each inspector's HTML fallback table; a `%pools` view on screen is
told "not live" by a kernel restart."""

from __future__ import annotations

import time

import nbformat
from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from . import kernelspec  # noqa: F401
from .helpers import ok

ADD = ('%%wat m:add\n(module (func (export "add") (param i32 i32) (result i32)\n'
       '  local.get 0 local.get 1 i32.add))')


def test_nbconvert_shows_the_fallback_tables():
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "wippy", "display_name": "Wippy", "language": "lua"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in (
        ADD, "%trace on", 'funcs.call("m:add", 1, 2)', "%pools", "%imports", "%trace")]
    NotebookClient(nb, kernel_name="wippy", timeout=60).execute()
    nb.metadata.pop("widgets", None)  # as saved without widget state (JupyterLab's default)
    body, _ = HTMLExporter().from_notebook_node(nb)
    for marker in ("wippy-pools-html", "wippy-imports-html", "wippy-trace-scroll"):
        assert marker in body, marker
    assert "m:add(1, 2) -&gt; 3" in body


def test_a_live_pools_view_says_not_live_after_a_restart():
    km, kc = start_new_kernel(kernel_name="wippy", startup_timeout=60)
    try:
        ok(kc, ADD)
        res = ok(kc, "%pools")
        heading = next(o["comm_id"] for o in res.of("comm_open")
                       if "wippy-pools-title" in o["data"]["state"].get("_dom_classes", []))
        kc.shutdown(restart=True)
        deadline = time.monotonic() + 10
        seen = []
        while time.monotonic() < deadline:
            try:
                msg = kc.get_iopub_msg(timeout=0.5)
            except Exception:  # queue.Empty
                continue
            c = msg["content"]
            if msg["msg_type"] == "comm_msg" and c.get("comm_id") == heading:
                seen.append(c["data"].get("state", {}).get("value", ""))
                if "not live" in seen[-1]:
                    break
        assert any("not live" in v for v in seen), seen
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
