"""The local workflow engine through real Lua: workflow PIDs, id conflict policies, startup
messages and the order signals land in, child workflows, one-way links, terminate, and
spawning on the wrong host or worker."""

from __future__ import annotations

import re

import pytest
from wippy_runtime import Runtime
from wippy_runtime.errors import ALREADY_EXISTS, CANCELED, NOT_FOUND

ON_WORKER = {"temporal": {"workflow": {"worker": "wf:worker"}}}

#: counts `add` signals until `stop`; replies to each sender, returns the total
COUNTER = """return { main = function(input)
  local total, seen, done = input.start or 0, 0, false
  coroutine.spawn(function()
    local ch = process.listen("add", { message = true })
    while not done do
      local msg = ch:receive()
      total = total + msg:payload():data().n
      seen = seen + 1
      process.send(msg:from(), "added", { total = total })
    end
  end)
  process.listen("stop"):receive()
  done = true
  return { total = total, seen = seen, id = workflow.info().workflow_id }
end }"""


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    runtime.define({"id": "wf:client", "kind": "temporal.client"})
    runtime.define({"id": "wf:worker", "kind": "temporal.worker", "client": "wf:client",
                    "task_queue": "queue-1"})
    runtime.define({"id": "wf:other", "kind": "temporal.worker", "client": "wf:client",
                    "task_queue": "queue-2"})
    runtime.define({"id": "wf:processes", "kind": "process.host"})
    runtime.define({"id": "wf:counter", "kind": "workflow.lua", "method": "main",
                    "modules": ["workflow"], "meta": ON_WORKER, "source": COUNTER})
    yield runtime
    runtime.close()


def fn(rt: Runtime, name: str, body: str) -> str:
    rt.define({"id": f"wf:{name}", "kind": "function.lua", "method": "main",
               "modules": ["time"],
               "source": f"local function main()\n{body}\nend\nreturn {{ main = main }}"})
    return rt.call(f"wf:{name}")


WAIT = """
local function exit_of(ev, pid)
  while true do
    local e = ev:receive()
    if e.from == pid and e.kind == process.event.EXIT then return e end
  end
end
local function reply(inbox, topic)
  while true do
    local m = inbox:receive()
    if m:topic() == topic then return m:payload():data() end
  end
end
"""


def test_startup_messages_land_first_and_ids_are_reused_by_default(rt):
    out = fn(rt, "reuse", WAIT + """
      local ev, inbox = process.events(), process.inbox()
      local sp = process.with_options({ ["temporal.workflow.id"] = "order-7" })
      local pid = sp:with_message("add", { n = 1 }):with_message("add", { n = 2 })
                    :spawn_monitored("wf:counter", "wf:worker", { start = 10 })
      local again, err = sp:with_message("add", { n = 4 }):spawn("wf:counter", "queue-1",
                                                                 { start = 999 })
      process.send(pid, "stop")
      local e = exit_of(ev, pid)
      return { pid = pid, same = again == pid, err = err, value = e.result.value,
               first = reply(inbox, "added").total }""")
    assert re.fullmatch(r"\{wf:client@wf:worker\|order-7\}", out["pid"])
    assert out["same"] and out.get("err") is None
    # every startup message (of both spawns) before the later stop; the input of the first
    assert out["value"] == {"total": 17, "seen": 3, "id": "order-7"}
    assert out["first"] == 11


def test_conflict_policies_fail_and_generated_ids_are_fresh(rt):
    out = fn(rt, "conflicts", WAIT + """
      local ev = process.events()
      local named = process.with_options({}):with_name("singleton")
      local pid = named:spawn_monitored("wf:counter", "wf:worker", {})
      local _, fail = process.with_options({ ["temporal.workflow.id_conflict_policy"] = "fail" })
        :with_name("singleton"):spawn("wf:counter", "wf:worker", {})
      local _, started = process.with_options({ ["temporal.workflow.id"] = "singleton",
        ["temporal.workflow.execution_error_when_already_started"] = true })
        :spawn("wf:counter", "wf:worker", {})
      local a = process.spawn_monitored("wf:counter", "wf:worker", {})
      local b = process.spawn_monitored("wf:counter", "wf:worker", {})
      for _, p in ipairs({ pid, a, b }) do process.send(p, "stop") end
      exit_of(ev, pid)
      return { fail = { kind = fail:kind(), msg = tostring(fail) },
               started = started and started:kind(), distinct = a ~= b }""")
    assert out["fail"]["kind"] == ALREADY_EXISTS and "singleton" in out["fail"]["msg"]
    assert "wf:counter" in out["fail"]["msg"]
    assert out["started"] == ALREADY_EXISTS and out["distinct"]


def test_signals_are_handled_one_at_a_time_in_order(rt):
    out = fn(rt, "order", WAIT + """
      local ev = process.events()
      local pid = process.spawn_monitored("wf:counter", "wf:worker", {})
      for i = 1, 20 do process.send(pid, "add", { n = i }) end
      process.send(pid, "stop")
      return exit_of(ev, pid).result.value""")
    assert out["total"] == 210 and out["seen"] == 20


def test_child_workflows_are_monitored_by_their_parent(rt):
    rt.define({"id": "wf:parent", "kind": "workflow.lua", "method": "main", "meta": ON_WORKER,
               "source": """return { main = function()
                 local ev = process.events()
                 local child = process.spawn("wf:counter", "queue-1", { start = 5 })
                 process.send(child, "stop")
                 local e = ev:receive()
                 return { from_child = e.from == child, kind = e.kind, value = e.result.value }
               end }"""})
    out = fn(rt, "run_parent", "return process.exec('wf:parent', 'wf:worker')")
    assert out["from_child"] and out["kind"] == "pid.exit"
    assert out["value"]["total"] == 5


def test_links_from_outside_are_one_way_exit_on_completion_link_down_on_failure(rt):
    out = fn(rt, "links", WAIT + """
      process.set_options({ trap_links = true })
      local ev = process.events()
      local done = process.spawn("wf:counter", "wf:worker", {})
      process.link(done)
      process.send(done, "stop")
      local first = exit_of(ev, done)
      local killed = process.spawn("wf:counter", "wf:worker", {})
      process.link(killed)
      time.sleep("20ms")
      process.terminate(killed)
      local down
      while true do
        local e = ev:receive()
        if e.from == killed and e.kind == process.event.LINK_DOWN then down = e break end
      end
      return { first = first.result.value, down = down.result.error:kind() }""")
    assert out["first"]["seen"] == 0 and out["down"] == CANCELED


def test_wrong_hosts_and_workers_are_not_found_naming_the_workflow(rt):
    rt.define({"id": "wf:elsewhere", "kind": "workflow.lua", "method": "main",
               "meta": {"temporal": {"workflow": {"worker": "wf:other"}}},
               "source": "return { main = function() return 1 end }"})
    out = fn(rt, "hosts", """
      local _, a = process.spawn("wf:counter", "wf:processes", {})
      local _, b = process.spawn("wf:elsewhere", "wf:worker")
      local ok, c = process.send("{wf:client@wf:worker|nobody}", "add", { n = 1 })
      local v = process.exec("wf:elsewhere", "queue-2")
      return { a = { a:kind(), tostring(a) }, b = { b:kind(), tostring(b) },
               c = { c:kind(), tostring(c), c:retryable() }, v = v }""")
    assert out["a"][0] == NOT_FOUND and "no such temporal.worker" in out["a"][1]
    assert "wf:counter" in out["a"][1]
    assert out["b"][0] == NOT_FOUND and "not registered on worker wf:worker" in out["b"][1]
    assert out["c"][0] == NOT_FOUND and "workflow" in out["c"][1] and out["c"][2] is False
    assert out["v"] == 1


def test_terminate_existing_replaces_the_running_workflow_under_the_same_id(rt):
    out = fn(rt, "replace", WAIT + """
      local ev = process.events()
      local sp = process.with_options({ ["temporal.workflow.id"] = "job-1",
        ["temporal.workflow.id_conflict_policy"] = "terminate_existing" })
      local old = sp:spawn_monitored("wf:counter", "wf:worker", { start = 1 })
      time.sleep("20ms")
      local new, err = sp:spawn_monitored("wf:counter", "wf:worker", { start = 2 })
      local old_exit = exit_of(ev, old)
      process.send(new, "stop")
      local new_exit = exit_of(ev, new)
      return { same_pid = old == new, err = err, old = old_exit.result.error:kind(),
               new = new_exit.result.value.total }""")
    assert out["same_pid"] and out.get("err") is None
    assert out["old"] == CANCELED and out["new"] == 2


def test_children_still_running_when_their_parent_ends_follow_the_close_policy(rt):
    rt.define({"id": "wf:leaver", "kind": "workflow.lua", "method": "main", "meta": ON_WORKER,
               "source": """return { main = function(policy)
                 local sp = process.with_options({ ["temporal.workflow.parent_close_policy"] =
                   policy })
                 local pid, err = sp:spawn("wf:counter", "wf:worker", {})
                 return { child = pid, err = err and tostring(err) }
               end }"""})
    out = fn(rt, "close", WAIT + """
      local ev = process.events()
      local out = {}
      for _, policy in ipairs({ "terminate", "abandon" }) do
        local v = process.exec("wf:leaver", "wf:worker", policy)
        time.sleep("50ms")
        local ok, err = process.send(v.child, "stop")
        out[policy] = { ok = ok, err = err and err:kind() }
      end
      out.bad = process.exec("wf:leaver", "wf:worker", "sometimes").err
      return out""")
    assert out["terminate"].get("ok") is None and out["terminate"]["err"] == NOT_FOUND
    assert out["abandon"]["ok"] is True
    assert "parent_close_policy has invalid value 'sometimes'" in out["bad"]
