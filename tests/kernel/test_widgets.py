"""The widgets over a real kernel process (jupyter_client): each widget's `comm_open` carries
the model state a front end renders, and the live pools widget keeps sending `comm_msg`
updates from its background thread after calls are made, until its comm is closed."""

from __future__ import annotations

import time
from typing import Any

import pytest
from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.manager import start_new_kernel
from wippy_runtime.errors import INVALID

from . import kernelspec  # noqa: F401
from .helpers import Result, ok, run

ADD = """%%wat w:add
(module
  (func (export "add") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add))"""

# a core module that imports one WASI preview-1 function (declared: linked) and one
# function no host provides (stubbed)
P1 = """%%wat w:p1 --import wasi1 --method f
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $w (param i32 i32 i32 i32) (result i32)))
  (import "env" "log" (func $log (param i32)))
  (func (export "f") (result i32) i32.const 7))"""

# the same imports with nothing declared: both stubbed, wasi1 is the profile to add
BARE = P1.replace("w:p1 --import wasi1", "w:bare")

TWICE = """%%lua w:twice
return { twice = function(x)
  local a = funcs.call("w:add", x, x)
  local _, err = funcs.call("w:add", "oops", 1)
  return a
end }"""

VIEW = "application/vnd.jupyter.widget-view+json"


class Models:
    """The widget models a cell opened: comm_id -> state, with lookups by class and type."""

    def __init__(self, res: Result) -> None:
        self.states: dict[str, dict[str, Any]] = {
            o["comm_id"]: o["data"]["state"] for o in res.of("comm_open")
            if o["target_name"] == "jupyter.widget"}
        views = [d[VIEW]["model_id"] for d in res.displays if VIEW in d]
        assert len(views) == 1, res.displays
        self.root = views[0]
        assert self.root in self.states

    def children(self, model_id: str) -> list[str]:
        return [c.removeprefix("IPY_MODEL_") for c in self.states[model_id].get("children", [])]

    def descendants(self, model_id: str) -> list[str]:
        out = []
        for child in self.children(model_id):
            out += [child, *self.descendants(child)]
        return out

    def with_class(self, cls: str, under: str | None = None) -> list[str]:
        ids = self.descendants(under or self.root)
        return [i for i in ids if cls in self.states[i].get("_dom_classes", [])]

    def of_model(self, model_name: str, under: str | None = None) -> list[str]:
        ids = self.descendants(under or self.root)
        return [i for i in ids if self.states[i]["_model_name"] == model_name]

    def value(self, model_id: str) -> Any:
        return self.states[model_id]["value"]


def pool_row(models: Models, entry: str) -> dict[str, str]:
    """The comm ids of one pool row's cells, by column key (`calls`, `busy`, ...)."""
    for row in models.with_class("wippy-pool-row"):
        cells = {}
        for cell in models.descendants(row):
            for cls in models.states[cell].get("_dom_classes", []):
                if cls.startswith("wippy-pool-"):
                    cells[cls.removeprefix("wippy-pool-")] = cell
        if models.value(cells["entry"]) == entry:
            return {**cells, "row": row}
    raise AssertionError(f"no row for {entry}")


def updates(kc: BlockingKernelClient, comm_id: str, seconds: float) -> list[dict[str, Any]]:
    """Every state update sent for `comm_id` on iopub within `seconds`, whatever its parent."""
    found = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            msg = kc.get_iopub_msg(timeout=min(left, 0.2))
        except Exception:  # queue.Empty: nothing yet
            continue
        content = msg["content"]
        if msg["msg_type"] == "comm_msg" and content.get("comm_id") == comm_id \
                and content["data"].get("method") == "update":
            found.append(content["data"]["state"])
    return found


def wait_for_value(kc: BlockingKernelClient, comm_id: str, value: str,
                   seconds: float = 6) -> list[dict[str, Any]]:
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        seen += updates(kc, comm_id, 0.3)
        if any(s.get("value") == value for s in seen):
            return seen
    raise AssertionError(f"no update to {value!r} for {comm_id} within {seconds}s: {seen}")


@pytest.fixture(scope="module")
def kc():
    km, client = start_new_kernel(kernel_name="wippy", startup_timeout=60)
    for cell in (ADD, P1, BARE, TWICE):
        ok(client, cell)
    yield client
    client.stop_channels()
    km.shutdown_kernel(now=True)


def test_pools_widget_opens_with_one_row_per_pool(kc):
    ok(kc, 'funcs.call("w:add", 1, 2)\nfuncs.call("w:add", 3, 4)')
    models = Models(ok(kc, "%pools --widget"))
    assert "wippy-pools" in models.states[models.root]["_dom_classes"]
    assert models.states[models.root]["_model_name"] == "VBoxModel"
    rows = models.with_class("wippy-pool-row")
    assert len(rows) == 4  # w:add, w:bare, w:p1, w:twice
    add = pool_row(models, "w:add")
    assert models.value(add["calls"]) == "2"
    assert models.value(add["errors"]) == "0"
    assert models.value(add["generation"]) == "1"
    bar = models.states[models.of_model("IntProgressModel", under=add["row"])[0]]
    assert models.value(add["instances"]) == f"{bar['value']}/{bar['max']}"
    assert bar["max"] >= 1 and bar["value"] <= bar["max"]
    assert models.value(add["p95"]).endswith("s")
    assert models.value(add["mean"]).endswith("s") and models.value(add["last"]) != "-"
    assert models.value(pool_row(models, "w:p1")["calls"]) == "0"
    assert models.value(pool_row(models, "w:p1")["mean"]) == "-"
    heading = models.with_class("wippy-pools-title")
    assert "4 pool(s)" in models.value(heading[0])


def test_live_pools_widget_sends_updates_after_calls_and_stops_when_closed(kc):
    models = Models(ok(kc, "%pools --widget"))
    calls = pool_row(models, "w:add")["calls"]
    before = int(models.value(calls))
    # no change, no traffic: an idle pool sends nothing
    assert updates(kc, calls, 1.2) == []
    ok(kc, 'for i = 1, 5 do funcs.call("w:add", i, i) end')
    wait_for_value(kc, calls, str(before + 5))
    # while idle again, a later call made from a Lua entry shows up too
    ok(kc, 'funcs.call("w:twice", 2)')
    wait_for_value(kc, calls, str(before + 7))  # twice calls w:add twice (one fails)
    errors = pool_row(models, "w:add")["errors"]
    assert models.value(errors) == "0"

    # the front end closes the view: the refresher forgets it, no more updates
    msg = kc.session.msg("comm_close", {"comm_id": models.root, "data": {}})
    kc.shell_channel.send(msg)
    time.sleep(0.8)
    ok(kc, 'for i = 1, 3 do funcs.call("w:add", i, i) end')
    assert updates(kc, calls, 1.5) == []


def test_two_live_views_both_update(kc):
    first = Models(ok(kc, "%pools --widget"))
    second = Models(ok(kc, "%pools --widget"))
    a, b = pool_row(first, "w:p1")["calls"], pool_row(second, "w:p1")["calls"]
    n = int(first.value(a))
    ok(kc, 'funcs.call("w:p1")')
    seen: dict[str, list] = {a: [], b: []}
    deadline = time.monotonic() + 6
    while time.monotonic() < deadline and not all(
            any(s.get("value") == str(n + 1) for s in v) for v in seen.values()):
        try:
            msg = kc.get_iopub_msg(timeout=0.3)
        except Exception:
            continue
        c = msg["content"]
        if msg["msg_type"] == "comm_msg" and c.get("comm_id") in seen:
            seen[c["comm_id"]].append(c["data"].get("state", {}))
    assert all(any(s.get("value") == str(n + 1) for s in v) for v in seen.values()), seen


def test_imports_widget_marks_linked_and_stubbed_with_profile_to_add(kc):
    models = Models(ok(kc, "%imports w:p1 --widget"))
    assert "wippy-imports" in models.states[models.root]["_dom_classes"]
    acc = models.of_model("AccordionModel")
    assert len(acc) == 1 and models.states[acc[0]]["titles"] == ["w:p1: 1 linked, 1 stubbed"]
    assert models.states[acc[0]]["selected_index"] == 0
    panel = models.value(models.children(acc[0])[0])
    assert "declared profiles: <code>wasi1</code>" in panel
    linked = panel.split("wippy-import-linked")[1].split("</tr>")[0]
    assert "wasi_snapshot_preview1#fd_write" in linked and "linked" in linked
    stubbed = panel.split("wippy-import-stubbed")[1].split("</tr>")[0]
    assert "env#log" in stubbed and "no host provides it" in stubbed

    bare = models_of(kc, "%imports w:bare --widget")
    panel = bare.value(bare.children(bare.of_model("AccordionModel")[0])[0])
    assert "declared profiles: <i>none</i>" in panel
    row = panel.split("wasi_snapshot_preview1#fd_write")[1].split("</tr>")[0]
    assert "stubbed" in row and "add <code>wasi1</code> to imports" in row


def models_of(kc: BlockingKernelClient, code: str) -> Models:
    return Models(ok(kc, code))


def test_imports_widget_for_every_wasm_entry(kc):
    models = Models(ok(kc, "%imports --widget"))
    acc = models.of_model("AccordionModel")[0]
    titles = models.states[acc]["titles"]
    assert titles == ["w:add: 0 linked, 0 stubbed", "w:bare: 0 linked, 2 stubbed",
                      "w:p1: 1 linked, 1 stubbed"]  # the Lua entry w:twice is not listed
    heading = models.of_model("HTMLModel")[0]
    assert "3 entries, 3 stubbed" in models.value(heading)


@pytest.mark.parametrize("line, ename", [("%imports noid", "UsageError"),
                                         ("%imports no:such --widget", "NotFound")])
def test_imports_widget_usage_errors(kc, line, ename):
    res = run(kc, line)
    assert res.status == "error" and res.error["ename"] == ename, res.text()


def test_trace_widget_shows_nested_calls_with_errors(kc):
    ok(kc, "%trace clear")
    ok(kc, "%trace on")
    try:
        ok(kc, 'funcs.call("w:twice", 4)')
        models = Models(ok(kc, "%trace --widget"))
    finally:
        ok(kc, "%trace off")
    assert "wippy-traces" in models.states[models.root]["_dom_classes"]
    tree_id = models.with_class("wippy-trace-tree")[0]
    tree = models.value(tree_id)
    root = tree.index("w:twice(4) -&gt; 8")
    child_ok = tree.index("w:add(4, 4) -&gt; 8")
    child_err = tree.index(f"w:add(&#x27;oops&#x27;, 1) !! {INVALID}")
    assert root < child_ok < child_err
    # the children sit inside the root's <details>: it closes after both
    assert tree.count("<details") == 3 and tree.rindex("</details>") > child_err
    assert tree.count("class='wippy-span wippy-span-error'") == 1
    assert "wippy-span-error" in tree[tree.rindex("<details", 0, child_err):child_err]
    assert "args: 4, 4" in tree and "result: 8" in tree
    heading = [i for i in models.of_model("HTMLModel") if "Call traces" in models.value(i)][0]
    assert "1 tree(s), 3 call(s)" in models.value(heading)
    assert "1 failed" in models.value(heading)

    # the Refresh button re-reads the tracer (a click arrives as a comm_msg from the front end)
    ok(kc, "%trace on")
    ok(kc, 'funcs.call("w:add", 20, 22)')
    ok(kc, "%trace off")
    button = models.of_model("ButtonModel")[0]
    msg = kc.session.msg("comm_msg", {"comm_id": button,
                                      "data": {"method": "custom",
                                               "content": {"event": "click"}}})
    kc.shell_channel.send(msg)
    states = updates(kc, tree_id, 3)
    assert any("w:add(20, 22) -&gt; 42" in s.get("value", "") for s in states), states


def test_trace_widget_without_calls(kc):
    ok(kc, "%trace clear")
    models = Models(ok(kc, "%trace --widget"))
    assert "no calls recorded" in models.value(models.with_class("wippy-trace-tree")[0])
