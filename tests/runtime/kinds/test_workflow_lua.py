"""`workflow.lua` entries: registered on a worker, built like a function.lua, not callable."""

from __future__ import annotations

import pytest
from wippy_runtime import Runtime
from wippy_runtime.errors import LoadError

SOURCE = "return { main = function() return 1 end }"


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    runtime.define({"id": "app:client", "kind": "temporal.client"})
    runtime.define({"id": "app:worker", "kind": "temporal.worker", "client": "app:client",
                    "task_queue": "q"})
    yield runtime
    runtime.close()


def test_a_workflow_registers_on_its_worker(rt):
    built = rt.define({"id": "app:wf", "kind": "workflow.lua", "source": SOURCE,
                       "method": "main",
                       "meta": {"temporal": {"workflow": {"worker": "worker"}}}})
    assert built.workflow and built.worker == "app:worker"
    info = {i.id: i for i in rt.describe()}["app:wf"]
    assert info.kind == "workflow.lua" and info.detail["worker"] == "app:worker"


@pytest.mark.parametrize("extra, message", [
    ({"meta": {}}, "meta.temporal.workflow.worker is required"),
    ({"meta": {"temporal": {"workflow": {"worker": "app:missing"}}}}, "app:missing"),
    ({"meta": {"temporal": {"workflow": {"worker": "app:worker"}}}, "method": ""},
     "method is required"),
    ({"meta": {"temporal": {"workflow": {"worker": "app:worker"}}},
      "source": "return { main = function( end }"}, "app:bad"),
    ({"meta": {"temporal": {"workflow": {"worker": "app:worker"}}},
      "source": "return { other = 1 }"}, "method 'main' not found"),
])
def test_bad_workflows_are_load_errors_naming_the_entry(rt, extra, message):
    with pytest.raises(LoadError) as info:
        rt.define({"id": "app:bad", "kind": "workflow.lua", "source": SOURCE,
                   "method": "main", **extra})
    assert message in str(info.value) and "app:bad" in str(info.value)
