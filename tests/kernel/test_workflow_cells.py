"""Prototyping workflows in a notebook: a `%%yaml` cell defines a client, a worker, an activity
and a workflow; cells start it, signal it and read its result, and a bad activity name comes
back as an error value naming it."""

from __future__ import annotations

import pytest
from jupyter_client.manager import start_new_kernel

from . import kernelspec  # noqa: F401
from .helpers import ok

APP = """%%yaml
namespace: nb
entries:
  - {name: client, kind: temporal.client}
  - {name: worker, kind: temporal.worker, client: client, task_queue: q}
  - name: double
    kind: function.lua
    method: main
    meta: {temporal: {activity: {worker: worker}}}
    source: 'return { main = function(n) return n * 2 end }'
  - name: flow
    kind: workflow.lua
    method: main
    modules: [funcs]
    meta: {temporal: {workflow: {worker: worker}}}
    source: |
      return { main = function(name)
        local n = process.listen("n"):receive()
        local v, err = funcs.call(name, n)
        if err then return nil, err end
        return v
      end }
"""


@pytest.fixture(scope="module")
def kc():
    km, client = start_new_kernel(kernel_name="wippy", startup_timeout=60)
    yield client
    client.stop_channels()
    km.shutdown_kernel(now=True)


def test_a_workflow_defined_in_a_cell_runs_and_takes_signals(kc):
    ok(kc, APP)
    res = ok(kc, """local events = process.events()
local pid = process.spawn_monitored("nb:flow", "nb:worker", "nb:double")
process.send(pid, "n", 21)
return events:receive().result.value""")
    assert res.result == "42"
    err = ok(kc, """local events = process.events()
local pid = process.spawn_monitored("nb:flow", "q", "nb:nope")
process.send(pid, "n", 1)
return tostring(events:receive().result.error)""").result
    assert "activity nb:nope is not registered on worker nb:worker" in err
    assert ok(kc, 'funcs.call("nb:double", 4)').result == "8"  # and the session goes on
