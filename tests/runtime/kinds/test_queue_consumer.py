"""`queue.driver.memory`, `queue.queue` and `queue.consumer` entries: what loads, what fails
with an error naming the entry and field, and the consumer's life (removal, replacement,
close) on a real runtime with real threads."""

from __future__ import annotations

import threading
import time

import pytest
import yaml
from wippy_runtime import Runtime
from wippy_runtime.errors import CallError, LoadError

WAIT_S = 30.0

HANDLER = """
local function main(body)
  store.get("app:mem"):set("got:" .. body.n, VERSION)
  return true
end
return { main = main }
"""


def entries(version: str = "v1", **consumer) -> list[dict]:
    return [
        {"name": "mem", "kind": "store.memory"},
        {"name": "driver", "kind": "queue.driver.memory"},
        {"name": "tasks", "kind": "queue.queue", "driver": "app:driver"},
        {"name": "handler", "kind": "function.lua", "method": "main", "modules": ["store"],
         "source": f'local VERSION = "{version}"\n' + HANDLER},
        {"name": "consumer", "kind": "queue.consumer", "queue": "app:tasks",
         "func": "app:handler", **consumer},
        {"name": "pub", "kind": "function.lua", "method": "main", "modules": ["queue"],
         "source": 'local function main(n) return queue.publish("app:tasks", {n = n}) end '
                   "return {main = main}"},
    ]


def doc(items: list[dict]) -> str:
    return yaml.safe_dump({"version": "1.0", "namespace": "app", "entries": items})


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()


def load(rt: Runtime, items: list[dict]) -> None:
    report = rt.load_text(doc(items))
    assert report.errors == [], report.errors


def got(rt: Runtime, n: int):
    store = rt.built["app:mem"].store
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        item = store.get(f"got:{n}")
        if item is not None:
            return item.value
        time.sleep(0.005)
    raise AssertionError(f"message {n} was not handled")


def queue_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("wippy-queue-")]


def errors_of(rt: Runtime, items: list[dict]) -> dict[str, LoadError]:
    return {e.entry: e for e in rt.load_text(doc(items)).errors}


def test_entries_describe_themselves(rt):
    load(rt, entries(concurrency=3, prefetch=20))
    assert rt.call("app:pub", 1) is True
    assert got(rt, 1) == "v1"
    info = {i.id: i for i in rt.describe()}
    assert info["app:driver"].detail == {"state": "running"}
    assert info["app:tasks"].detail["codec"] == "json/plain"
    assert info["app:tasks"].detail["published"] == 1
    consumer = info["app:consumer"].detail
    assert (consumer["queue"], consumer["func"], consumer["concurrency"],
            consumer["prefetch"], consumer["state"]) == ("app:tasks", "app:handler", 3, 20,
                                                         "running")


@pytest.mark.parametrize(("change", "entry", "field", "text"), [
    ({"func": "app:nothing"}, "app:consumer", "func", "app:nothing not found"),
    ({"func": "app:mem"}, "app:consumer", "func", "is a store.memory, not a function"),
    ({"func": None}, "app:consumer", "func", "func is required"),
    ({"queue": "app:nowhere"}, "app:consumer", "queue", "queue.queue app:nowhere not found"),
    ({"queue": "app:mem"}, "app:consumer", "queue", "expected queue.queue"),
    ({"concurrency": 1001}, "app:consumer", "concurrency", "exceeds maximum 1000"),
    ({"prefetch": -1}, "app:consumer", "prefetch", "positive integer"),
])
def test_bad_consumers_fail_to_load_naming_the_entry_and_field(rt, change, entry, field, text):
    items = entries()
    consumer = items[4]
    for key, value in change.items():
        if value is None:
            consumer.pop(key)
        else:
            consumer[key] = value
    errs = errors_of(rt, items)
    assert list(errs) == [entry]
    assert errs[entry].field == field and text in errs[entry].message
    # the rest of the app still works
    assert rt.call("app:pub", 1) is True


@pytest.mark.parametrize(("change", "field", "text"), [
    ({"driver": None}, "driver", "driver is required"),
    ({"driver": "app:mem"}, "driver", "is a store.memory, not a queue driver"),
    ({"codec": "xml/fancy"}, "codec", "unknown payload codec 'xml/fancy'"),
    ({"driver_options": {"memory": {"max_length": 0}}}, "driver_options", "max_length"),
    ({"dead_letter": {"max_attempts": "x"}}, "dead_letter", "max_attempts"),
])
def test_bad_queues_fail_to_load_naming_the_field(rt, change, field, text):
    items = entries()
    for key, value in change.items():
        if value is None:
            items[2].pop(key)
        else:
            items[2][key] = value
    errs = errors_of(rt, items)
    assert errs["app:tasks"].field == field and text in errs["app:tasks"].message
    assert "app:consumer" in errs  # built on the queue: it cannot start either


def test_a_queue_on_a_broker_driver_says_it_needs_a_real_broker(rt):
    items = entries()
    items[1] = {"name": "driver", "kind": "queue.driver.sqs", "endpoint": "http://x"}
    errs = errors_of(rt, items)
    assert "queue.driver.sqs, which wippy-kernel does not run (it needs a real broker)" in \
        errs["app:tasks"].message


def test_a_full_queue_refuses_publishes(rt):
    items = entries(lifecycle={"auto_start": False})
    items[2]["driver_options"] = {"memory": {"max_length": 2}}
    load(rt, items)
    assert rt.call("app:pub", 1) is True
    assert rt.call("app:pub", 2) is True
    with pytest.raises(CallError, match="queue app:tasks is full"):
        rt.call("app:pub", 3)  # the Lua side's `nil, err`, as Runtime.call raises it
    assert rt.built["app:tasks"].info().detail["message_count"] == 2


def test_removing_the_consumer_stops_it_and_leaves_messages_queued(rt):
    load(rt, entries())
    assert rt.call("app:pub", 1) is True and got(rt, 1) == "v1"
    assert queue_threads()
    rt.remove("app:consumer")
    assert queue_threads() == []
    assert rt.call("app:pub", 2) is True
    assert rt.built["app:tasks"].info().detail["message_count"] == 1
    load(rt, [entries()[4]])  # a consumer again: it takes the waiting message
    assert got(rt, 2) == "v1"


def test_replacing_the_function_serves_the_next_message_with_the_new_version(rt):
    load(rt, entries())
    assert rt.call("app:pub", 1) is True and got(rt, 1) == "v1"
    load(rt, [entries("v2")[3]])
    assert rt.call("app:pub", 2) is True and got(rt, 2) == "v2"
    assert [t for t in queue_threads() if "app-consumer" in t]  # rebuilt, still consuming


def test_rebuilding_the_queue_keeps_waiting_messages(rt):
    load(rt, entries(lifecycle={"auto_start": False}))
    assert rt.call("app:pub", 1) is True
    load(rt, [entries()[2]])  # the queue entry again: re-declared, its message kept
    assert rt.built["app:tasks"].info().detail["message_count"] == 1


def test_close_waits_for_a_running_handler_and_leaves_no_thread():
    rt = Runtime(cache_dir=False)
    items = entries()
    items[3]["source"] = """
local function main(body)
  local s = store.get("app:mem")
  s:set("started", true)
  while not s:has("go") do time.sleep("5ms") end
  s:set("finished", true)
  return true
end
return { main = main }
"""
    items[3]["modules"] = ["store", "time"]
    load(rt, items)
    store = rt.built["app:mem"].store
    assert rt.call("app:pub", 1) is True
    deadline = time.monotonic() + WAIT_S
    while store.get("started") is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert store.get("started") is not None
    closer = threading.Thread(target=rt.close)
    closer.start()
    store.set("go", True)  # the handler may finish now; close() waited for it
    closer.join(WAIT_S)
    assert not closer.is_alive()
    assert store.get("finished") is not None
    assert queue_threads() == []
