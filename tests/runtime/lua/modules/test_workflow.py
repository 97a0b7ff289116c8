"""The `workflow` module and the activity rules, through real Lua workflows on the local engine:
info / version / history / attrs / exec inside and outside a workflow, activities (results,
error values, raised errors, missing or unregistered targets), limits, and that the runtime
keeps working after each bad input."""

from __future__ import annotations

import pytest
from wippy_runtime.errors import INTERNAL, INVALID, NOT_FOUND, TIMEOUT, CallError
from workflow_helpers import ERR, activity, caller, temporal_runtime, workflow


@pytest.fixture
def rt():
    runtime = temporal_runtime()
    yield runtime
    runtime.close()


def run_workflow(rt, wf: str, input_lua: str = "{}", host: str = "wf:worker"):
    name = f"run_{wf.split(':')[1]}"
    caller(rt, name, f"""{ERR}
      local v, err = process.exec("{wf}", "{host}", {input_lua})
      return {{ value = v, err = e(err) }}""")
    return rt.call(f"wf:{name}")


def test_info_version_history_and_attrs_inside_a_workflow(rt):
    workflow(rt, "child", "time.sleep('5ms') return { got = input.n * 2 }")
    workflow(rt, "probe", """
      local info = workflow.info()
      local len0 = workflow.history_length()
      local v1 = workflow.version("change", 1, 3)
      local v2 = workflow.version("change", 1, 5)
      local child, cerr = workflow.exec("wf:child", { n = 21 })
      local ok = workflow.attrs({ search = { stage = "done" }, memo = { note = "x" } })
      local _, attrs_err = workflow.attrs({})
      return { info = info, len0 = len0, len1 = workflow.history_length(),
               size = workflow.history_size(), v1 = v1, v2 = v2, child = child,
               cerr = cerr and tostring(cerr), ok = ok, attrs_err = tostring(attrs_err) }
    """, modules=("time", "workflow"))
    out = run_workflow(rt, "wf:probe")
    assert out.get("err") is None, out
    v = out["value"]
    info = v["info"]
    assert info["workflow_type"] == "wf:probe" and info["task_queue"] == "wf-queue"
    assert info["namespace"] == "testing" and info["attempt"] == 1
    assert info["workflow_id"].startswith("wf.probe_") and len(info["run_id"]) == 36
    assert v["v1"] == 3 and v["v2"] == 3  # fixed at the first call of the run
    assert v["child"] == {"got": 42} and v.get("cerr") is None
    assert v["len1"] > v["len0"] >= 3 and v["size"] > 0
    assert v["ok"] is True and "at least one of search or memo" in v["attrs_err"]


def test_outside_a_workflow_the_module_answers_as_wippy_does(rt):
    caller(rt, "outside", f"""{ERR}
      local info, ierr = workflow.info()
      local _, xerr = workflow.exec("wf:anything", {{}})
      local _, aerr = workflow.attrs({{ memo = {{ a = 1 }} }})
      local _, verr = workflow.version("c", 5, 1)
      local _, berr = workflow.exec("no-namespace")
      return {{ info = info, ierr = ierr, len = workflow.history_length(),
               size = workflow.history_size(), version = workflow.version("c", 1, 4),
               xerr = e(xerr), aerr = e(aerr), verr = e(verr), berr = e(berr) }}""")
    out = rt.call("wf:outside")
    assert out.get("info") is None and out.get("ierr") is None
    assert out["len"] == 0 and out["size"] == 0 and out["version"] == 4
    assert out["xerr"]["kind"] == INVALID and "process.exec" in out["xerr"]["message"]
    assert out["aerr"]["kind"] == INVALID and "workflow context" in out["aerr"]["message"]
    assert "min_supported cannot be greater" in out["verr"]["message"]
    assert "namespace:name" in out["berr"]["message"]


def test_activities_return_values_and_error_values_through_the_pipeline(rt):
    activity(rt, "echo", "return { echoed = input.text }")
    activity(rt, "refuse", "return nil, errors.new({ message = 'no such thing', "
                           "kind = errors.NOT_FOUND, retryable = false })")
    activity(rt, "crash", "error('activity exploded')")
    workflow(rt, "calls", f"""{ERR}
      local a, aerr = funcs.call("wf:echo", {{ text = "hi" }})
      local _, nerr = funcs.call("wf:refuse", {{}})
      local _, cerr = funcs.new():with_options({{ ["temporal.activity.retry_policy"] =
        {{ maximum_attempts = 1 }} }}):call("wf:crash", {{}})
      local fut = funcs.async("wf:echo", {{ text = "later" }})
      local msg = fut:response():receive()
      return {{ a = a, aerr = aerr, nerr = e(nerr), cerr = e(cerr), later = msg:data() }}
    """, modules=("funcs",))
    out = run_workflow(rt, "wf:calls")
    v = out["value"]
    assert v["a"] == {"echoed": "hi"} and v.get("aerr") is None
    assert v["nerr"]["kind"] == NOT_FOUND and v["nerr"]["retryable"] is False
    assert "no such thing" in v["nerr"]["message"]
    assert v["cerr"]["kind"] == INTERNAL and "activity exploded" in v["cerr"]["message"]
    assert "wf:crash" in v["cerr"]["message"]
    assert v["later"] == {"echoed": "later"}


def test_a_missing_or_unregistered_activity_is_not_found_and_retryable(rt):
    activity(rt, "plain", "return 1", meta={})
    workflow(rt, "bad_calls", f"""{ERR}
      local _, missing = funcs.call("wf:missing_activity", {{}})
      local _, plain = funcs.call("wf:plain")
      return {{ missing = e(missing), plain = e(plain) }}
    """, modules=("funcs",))
    v = run_workflow(rt, "wf:bad_calls")["value"]
    assert v["missing"]["kind"] == NOT_FOUND and v["missing"]["retryable"] is True
    assert "wf:missing_activity" in v["missing"]["message"]
    assert "wf:bad_calls" in v["missing"]["message"]  # the calling workflow is named
    assert v["plain"]["kind"] == NOT_FOUND and v["plain"]["retryable"] is True
    assert "meta.temporal.activity.worker: wf:worker" in v["plain"]["message"]
    # the same function stays callable outside workflows, and other workflows keep working
    caller(rt, "direct", "return funcs.call('wf:plain')")
    assert rt.call("wf:direct") == 1
    workflow(rt, "fine", "return 'fine'")
    assert run_workflow(rt, "wf:fine")["value"] == "fine"


def test_a_workflow_failing_or_returning_an_error_reaches_exec(rt):
    workflow(rt, "fails", "error('workflow blew up')")
    workflow(rt, "returns_err", "return nil, errors.new({ message = 'intentional', "
                                "kind = errors.NOT_FOUND })")
    failed = run_workflow(rt, "wf:fails")
    assert failed.get("value") is None and "workflow blew up" in failed["err"]["message"]
    assert "wf:fails" in failed["err"]["message"]
    returned = run_workflow(rt, "wf:returns_err")
    assert returned["err"]["kind"] == NOT_FOUND and "intentional" in returned["err"]["message"]


def test_a_workflow_that_loops_past_its_limit_is_stopped_naming_it(rt):
    workflow(rt, "sleeper", "while true do time.sleep('10ms') end")
    caller(rt, "timed", f"""{ERR}
      local ev = process.events()
      local pid, err = process.with_options({{ ["temporal.workflow.execution_timeout"] =
        "150ms" }}):spawn_monitored("wf:sleeper", "wf:worker")
      local event = ev:receive()
      return {{ pid = pid, err = err, error = e(event.result.error) }}""")
    out = rt.call("wf:timed")
    assert out.get("err") is None
    assert out["error"]["kind"] == TIMEOUT and "wf:sleeper" in out["error"]["message"]
    assert "execution timeout" in out["error"]["message"]
    # a loop that never yields is stopped by the entry's execution limit
    workflow(rt, "spinner", "local n = 0 while true do n = n + 1 end",
             limits={"max_execution_ms": 100})
    spun = run_workflow(rt, "wf:spinner")
    assert spun.get("value") is None and "wf:spinner" in spun["err"]["message"]
    workflow(rt, "after", "return 'still here'")
    assert run_workflow(rt, "wf:after")["value"] == "still here"


def test_links_and_monitors_are_rejected_inside_a_workflow(rt):
    rt.define({"id": "wf:proc", "kind": "process.lua", "method": "main",
               "source": "return { main = function() return 1 end }"})
    workflow(rt, "linker", f"""{ERR}
      local me = process.pid()
      local ok, lerr = process.link(me)
      local _, merr = process.monitor(me)
      local _, serr = process.spawn("wf:proc", "wf:processes")
      return {{ ok = ok, lerr = e(lerr), merr = e(merr), serr = e(serr) }}""")
    v = run_workflow(rt, "wf:linker")["value"]
    assert v.get("ok") is None and v["lerr"]["kind"] == INVALID
    assert "process.link not supported in workflow context" in v["lerr"]["message"]
    assert "process.monitor not supported in workflow context" in v["merr"]["message"]
    assert "child workflows only" in v["serr"]["message"] and "wf:proc" in v["serr"]["message"]


def test_bad_workflow_options_are_invalid_and_name_the_entry(rt):
    workflow(rt, "quick", "return 1")
    caller(rt, "bad_opts", f"""{ERR}
      local _, p = process.with_options({{ ["temporal.workflow.id_conflict_policy"] =
        "sometimes" }}):spawn("wf:quick", "wf:worker")
      local _, t = process.with_options({{ ["temporal.workflow.execution_timeout"] =
        "soon" }}):spawn("wf:quick", "wf:worker")
      return {{ p = e(p), t = e(t) }}""")
    out = rt.call("wf:bad_opts")
    assert out["p"]["kind"] == INVALID and "sometimes" in out["p"]["message"]
    assert "wf:quick" in out["p"]["message"] and "use_existing" in out["p"]["message"]
    assert out["t"]["kind"] == INVALID and "execution_timeout" in out["t"]["message"]


def test_a_workflow_is_not_a_function(rt):
    workflow(rt, "nofn", "return 1")
    with pytest.raises(CallError) as info:
        rt.call("wf:nofn")
    assert "wf:nofn" in str(info.value)
