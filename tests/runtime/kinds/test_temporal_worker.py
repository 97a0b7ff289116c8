"""`temporal.worker` entries: a client reference and a task queue, or a clear load error."""

from __future__ import annotations

import pytest
from wippy_runtime import Runtime
from wippy_runtime.errors import LoadError


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    runtime.define({"id": "app:client", "kind": "temporal.client", "namespace": "ns1"})
    yield runtime
    runtime.close()


def test_a_worker_takes_its_clients_namespace(rt):
    built = rt.define({"id": "app:worker", "kind": "temporal.worker", "client": "client",
                       "task_queue": "q", "worker_options": {"max_concurrent_activity_"
                                                             "execution_size": 10}})
    assert (built.client, built.namespace, built.task_queue) == ("app:client", "ns1", "q")


@pytest.mark.parametrize("data, message", [
    ({"task_queue": "q"}, "client is required"),
    ({"client": "app:client"}, "task_queue is required"),
    ({"client": "app:nowhere", "task_queue": "q"}, "app:nowhere"),
    ({"client": "app:client", "task_queue": "q", "worker_options": 3},
     "worker_options must be a mapping"),
])
def test_bad_workers_name_the_entry(rt, data, message):
    with pytest.raises(LoadError) as info:
        rt.define({"id": "app:bad", "kind": "temporal.worker", **data})
    assert message in str(info.value) and "app:bad" in str(info.value)


def test_a_client_of_another_kind_is_refused(rt):
    rt.define({"id": "app:host", "kind": "process.host"})
    with pytest.raises(LoadError) as info:
        rt.define({"id": "app:bad", "kind": "temporal.worker", "client": "app:host",
                   "task_queue": "q"})
    assert "temporal.client" in str(info.value)
