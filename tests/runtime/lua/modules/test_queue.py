"""The `queue` module from real Lua: publish, info, message objects, settling, and what a
consumer's handler sees, on a real runtime with a real consumer on its worker threads."""

from __future__ import annotations

import threading
import time

import pytest
import yaml
from wippy_runtime import Runtime
from wippy_runtime.errors import INTERNAL, INVALID

#: what a test waits, at most, for a consumer to have handled a message (a bound, not a
#: timing assertion: the wait ends as soon as the outcome is there)
WAIT_S = 30.0

ERR = """
local function e(err)
  if err == nil then return nil end
  return { kind = err:kind(), message = tostring(err), retryable = err:retryable() }
end
"""

#: a handler recording what it saw into app:mem under "seen:<correlation_id>"
RECORDER = """
local function main(body)
  local msg, err = queue.message()
  if err then error(err) end
  local corr = msg:header("correlation_id") or msg:id()
  store.get("app:mem"):set("seen:" .. corr, {
    id = msg:id(), body = body, headers = msg:headers(), body_type = type(body),
    text = tostring(msg),
  })
  return true
end
return { main = main }
"""


def app(extra: list[dict] | None = None, handler: str = RECORDER, consumer: dict | None = None,
        queue: dict | None = None) -> str:
    entries = [
        {"name": "mem", "kind": "store.memory"},
        {"name": "driver", "kind": "queue.driver.memory"},
        {"name": "tasks", "kind": "queue.queue", "driver": "app:driver", **(queue or {})},
        {"name": "handler", "kind": "function.lua", "method": "main",
         "modules": ["queue", "store", "time"], "source": handler},
        {"name": "consumer", "kind": "queue.consumer", "queue": "app:tasks",
         "func": "app:handler", **(consumer or {})},
        *(extra or []),
    ]
    return yaml.safe_dump({"version": "1.0", "namespace": "app", "entries": entries})


@pytest.fixture
def errors_out():
    return []


@pytest.fixture
def rt(errors_out):
    runtime = Runtime(cache_dir=False, error_output=errors_out.append)
    yield runtime
    runtime.close()


def load(rt: Runtime, text: str) -> None:
    report = rt.load_text(text)
    assert report.errors == [], report.errors


def lua(rt: Runtime, body: str, *args):
    entry_id = f"app:t{len(rt.entries)}"
    rt.define({"id": entry_id, "kind": "function.lua", "method": "main",
               "modules": ["queue", "store"],
               "source": f"{ERR}\nlocal function main(...)\n{body}\nend\nreturn {{ main = main }}"})
    return rt.call(entry_id, *args)


def wait_for(rt: Runtime, key: str):
    store = rt.built["app:mem"].store
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        item = store.get(key)
        if item is not None:
            return item.value
        time.sleep(0.005)
    raise AssertionError(f"no {key!r} in the store after {WAIT_S}s "
                         f"(consumer: {rt.built['app:consumer'].info().detail})")


def test_published_table_reaches_the_handler_with_headers_and_an_id(rt):
    load(rt, app())
    out = lua(rt, """
local ok, err = queue.publish("app:tasks", {action = "go", items = {1, 2, 3}, n = 1.5},
  {correlation_id = "c1", priority = 9, flag = true, ratio = 0.25,
   ["sqs.message_attributes.tenant"] = "acme"})
return {ok, err}
""")
    assert out == [True]
    seen = wait_for(rt, "seen:c1")
    assert seen["body"] == {"action": "go", "items": [1, 2, 3], "n": 1.5}
    assert seen["headers"] == {"correlation_id": "c1", "priority": 9, "flag": True,
                               "ratio": 0.25, "sqs.message_attributes.tenant": "acme"}
    assert len(seen["id"]) == 36 and seen["text"] == f"queue.Message{{id={seen['id']}}}"


def test_string_data_stays_a_string(rt):
    load(rt, app())
    assert lua(rt, 'return queue.publish("app:tasks", "plain text", {correlation_id = "s"})')
    seen = wait_for(rt, "seen:s")
    assert (seen["body"], seen["body_type"]) == ("plain text", "string")


def test_publisher_changing_its_table_later_changes_nothing(rt):
    load(rt, app(consumer={"lifecycle": {"auto_start": False}}))
    lua(rt, """
local t = {v = 1}
queue.publish("app:tasks", t, {correlation_id = "m"})
t.v = 2
return true
""")
    # not started: the message waits in its queue; start a consumer of the same queue
    load(rt, yaml.safe_dump({"namespace": "app", "entries": [
        {"name": "consumer2", "kind": "queue.consumer", "queue": "app:tasks",
         "func": "app:handler"}]}))
    assert wait_for(rt, "seen:m")["body"] == {"v": 1}


def test_info_counts_waiting_messages_and_consumers(rt):
    load(rt, app(consumer={"lifecycle": {"auto_start": False}}))
    out = lua(rt, """
queue.publish("app:tasks", {n = 1})
queue.publish("app:tasks", {n = 2})
local info, err = queue.info("app:tasks")
return {info.message_count, info.ready, info.consumer_count, err}
""")
    assert out == [2, 2, 0]


def test_bad_publish_input_gets_invalid_errors_naming_what_is_wrong(rt):
    load(rt, app())
    out = lua(rt, """
local r = {}
local function add(name, ok, err) r[name] = {ok = ok, err = e(err)} end
add("empty_id", queue.publish("", {a = 1}))
add("no_data", queue.publish("app:tasks"))
add("empty_table", queue.publish("app:tasks", {}))
add("function_data", queue.publish("app:tasks", {f = function() end}))
add("table_header", queue.publish("app:tasks", "x", {nested = {1}}))
add("info_empty", queue.info(""))
return r
""")
    for name, res in out.items():
        assert "ok" not in res, name
        assert res["err"]["kind"] == INVALID, (name, res)
        assert res["err"]["retryable"] is False
    assert "queue ID required" in out["empty_id"]["err"]["message"]
    assert "message data required" in out["no_data"]["err"]["message"]
    assert "cannot be empty" in out["empty_table"]["err"]["message"]
    assert "app:tasks" in out["function_data"]["err"]["message"]
    assert "'nested'" in out["table_header"]["err"]["message"]


def test_unknown_queue_and_queue_that_failed_to_load_are_internal_errors(rt):
    load(rt, app())
    report = rt.load_text(yaml.safe_dump({"namespace": "app", "entries": [
        {"name": "sqs", "kind": "queue.driver.sqs"},
        {"name": "remote", "kind": "queue.queue", "driver": "app:sqs"}]}))
    assert [e.entry for e in report.errors] == ["app:remote"]
    out = lua(rt, """
local _, e1 = queue.publish("app:nope", {a = 1})
local _, e2 = queue.info("app:nope")
local _, e3 = queue.publish("app:remote", {a = 1})
local _, e4 = queue.publish("app:mem", {a = 1})
return {e(e1), e(e2), e(e3), e(e4)}
""")
    assert [o["kind"] for o in out] == [INTERNAL] * 4
    assert "app:nope not found" in out[0]["message"] and "app:nope" in out[1]["message"]
    assert "failed to load" in out[2]["message"] and "real broker" in out[2]["message"]
    assert "is a store.memory, not a queue" in out[3]["message"]


def test_message_outside_a_delivery_is_invalid(rt):
    out = lua(rt, "local m, err = queue.message() return {m == nil, e(err)}")
    assert out[0] is True and out[1]["kind"] == INVALID
    assert "no delivery" in out[1]["message"]


def test_ack_and_nack_are_single_shot(rt):
    handler = """
local function main(body)
  local msg = queue.message()
  local a1, e1 = msg:ack()
  local a2, e2 = msg:ack()
  local n1, e3 = msg:nack()
  store.get("app:mem"):set("settle", {a1 = a1, e1 = e1 == nil, a2 = a2 == nil,
    k2 = e2 and e2:kind(), m2 = e2 and e2:message(), n1 = n1 == nil, k3 = e3 and e3:kind()})
  error("fails after acking: the consumer must not settle again")
end
return { main = main }
"""
    load(rt, app(handler=handler))
    lua(rt, 'return queue.publish("app:tasks", {x = 1})')
    out = wait_for(rt, "settle")
    assert out == {"a1": True, "e1": True, "a2": True, "k2": INVALID,
                   "m2": "msg:ack: queue.Message already settled (ack)", "n1": True,
                   "k3": INVALID}
    info = queue_info(rt)
    assert info["message_count"] == 0  # acked by the handler: the failure did not requeue it


def queue_info(rt: Runtime, queue_id: str = "app:tasks") -> dict:
    return rt.built[queue_id].info().detail


def consumer_info(rt: Runtime, consumer_id: str = "app:consumer") -> dict:
    return rt.built[consumer_id].info().detail


def wait_consumer(rt: Runtime, done, consumer_id: str = "app:consumer") -> dict:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        info = consumer_info(rt, consumer_id)
        if done(info):
            return info
        time.sleep(0.005)
    raise AssertionError(f"consumer never reached the expected state: {info}")


def test_a_message_kept_past_its_handler_reads_as_released(rt):
    handler = """
local kept
local function main(body)
  local msg = queue.message()
  if kept then
    local id, err = kept:id()
    local _, aerr = kept:ack()
    store.get("app:mem"):set("released", {id = id == nil, kind = err:kind(),
      message = err:message(), ack = aerr:kind(), text = tostring(kept)})
  end
  kept = msg
  return true
end
return { main = main }
"""
    # one instance, so the second delivery runs in the Lua state that kept the first message
    load(rt, app(handler=handler, extra=[]).replace("modules:", "pool:\n    type: static\n"
                                                    "    size: 1\n  modules:", 1))
    lua(rt, 'queue.publish("app:tasks", {n = 1}) return true')
    wait_consumer(rt, lambda i: i["acked"] == 1)
    lua(rt, 'queue.publish("app:tasks", {n = 2}) return true')
    out = wait_for(rt, "released")
    assert out == {"id": True, "kind": INVALID, "ack": INVALID,
                   "message": "msg:id: queue.Message released (its handler has returned)",
                   "text": "queue.Message{released}"}


def test_handler_nack_redelivers_with_an_attempts_header(rt):
    handler = """
local function main(body)
  local msg = queue.message()
  local attempts = msg:header("attempts") or 0
  if attempts < 2 then
    assert(msg:nack())
    return true
  end
  store.get("app:mem"):set("attempts", attempts)
  return true
end
return { main = main }
"""
    load(rt, app(handler=handler))
    lua(rt, 'return queue.publish("app:tasks", "again")')
    assert wait_for(rt, "attempts") == 2
    info = wait_consumer(rt, lambda i: i["acked"] == 1)
    assert (info["delivered"], info["nacked"], info["failed"]) == (3, 2, 0)


def test_failing_handler_is_reported_retried_and_dead_lettered(rt, errors_out):
    handler = 'local function main(body) error("boom on " .. body.n) end return {main = main}'
    load(rt, app(handler=handler,
                 queue={"dead_letter": {"queue": "app:dead", "max_attempts": 2}},
                 extra=[{"name": "dead", "kind": "queue.queue", "driver": "app:driver"}]))
    lua(rt, 'return queue.publish("app:tasks", {n = 7})')
    info = wait_consumer(rt, lambda i: i["failed"] == 2)
    assert info["nacked"] == 2 and "boom on 7" in info["last_error"]
    assert len(errors_out) == 2
    assert "queue consumer app:consumer: app:handler failed on message" in errors_out[0]
    assert "(delivery 1)" in errors_out[0] and "(delivery 2)" in errors_out[1]
    deadline = time.monotonic() + WAIT_S
    while queue_info(rt, "app:dead")["message_count"] == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert queue_info(rt, "app:dead")["message_count"] == 1
    assert queue_info(rt, "app:tasks")["dead_lettered"] == 1
    # the runtime keeps working
    assert lua(rt, "return 1 + 1") == 2


def test_concurrency_two_runs_handlers_at_the_same_time(rt):
    # a rendezvous: each handler announces itself and waits for the other; a serial
    # consumer would leave the first one waiting for good (bounded: it then records false)
    handler = """
local function main(body)
  local s = store.get("app:mem")
  s:set("alive:" .. body.me, true)
  for _ = 1, 3000 do
    if s:has("alive:" .. body.peer) then
      s:set("met:" .. body.me, true)
      return true
    end
    time.sleep("10ms")
  end
  s:set("met:" .. body.me, false)
  return true
end
return { main = main }
"""
    load(rt, app(handler=handler, consumer={"concurrency": 2}))
    lua(rt, """
queue.publish("app:tasks", {me = "a", peer = "b"})
queue.publish("app:tasks", {me = "b", peer = "a"})
return true
""")
    assert wait_for(rt, "met:a") is True
    assert wait_for(rt, "met:b") is True


def test_publish_permissions_are_checked_and_denials_are_invalid(rt):
    load(rt, app())
    load(rt, yaml.safe_dump({"namespace": "app", "entries": [
        {"name": "only_other", "kind": "security.policy",
         "policy": {"actions": "*", "resources": "*", "effect": "allow"}},
        {"name": "deny_tasks", "kind": "security.policy",
         "policy": {"actions": "queue.publish.queue", "resources": "app:tasks",
                    "effect": "deny"}}]}))
    rt.define({"id": "app:pub", "kind": "function.lua", "method": "main", "modules": ["queue"],
               "source": f"{ERR}\nlocal function main(q) local ok, err = "
                         "queue.publish(q, {a = 1}) return {ok = ok, err = e(err)} end "
                         "return {main = main}"})
    out = rt.call("app:pub", "app:tasks", actor="user",
                  scope=["app:only_other", "app:deny_tasks"])
    assert "ok" not in out and out["err"]["kind"] == INVALID
    assert "not allowed to publish to queue: app:tasks" in out["err"]["message"]
    # another queue is still allowed to the same caller
    assert rt.call("app:pub", "app:other", actor="user",
                   scope=["app:only_other", "app:deny_tasks"])["err"]["kind"] == INTERNAL


def test_strict_mode_denies_the_consumers_call_through_the_pipeline(errors_out):
    rt = Runtime(cache_dir=False, strict_mode=True, error_output=errors_out.append)
    try:
        load(rt, app(queue={"dead_letter": {"max_attempts": 1}}))
        rt.define({"id": "app:pub", "kind": "function.lua", "method": "main",
                   "modules": ["queue"],
                   "source": 'local function main() return queue.publish("app:tasks", "x") end '
                             "return {main = main}"})
        rt.load_text(yaml.safe_dump({"namespace": "app", "entries": [
            {"name": "all", "kind": "security.policy",
             "policy": {"actions": "*", "resources": "*", "effect": "allow"}}]}))
        assert rt.call("app:pub", actor="user", scope=["app:all"]) is True
        info = wait_consumer(rt, lambda i: i["failed"] == 1)
        assert "permission denied: funcs.call on app:handler" in info["last_error"]
    finally:
        rt.close()


def test_handler_limits_apply(rt):
    handler = ('local function main() while true do end end return {main = main}')
    load(rt, app(handler=handler, queue={"dead_letter": {"max_attempts": 1}}).replace(
        "modules:", "limits:\n    max_execution_ms: 50\n  modules:", 1))
    lua(rt, 'return queue.publish("app:tasks", "spin")')
    info = wait_consumer(rt, lambda i: i["failed"] == 1)
    assert "50" in info["last_error"] and "app:handler" in info["last_error"]
    assert lua(rt, "return 'alive'") == "alive"


def test_no_consumer_thread_outlives_close():
    rt = Runtime(cache_dir=False)
    load(rt, app(consumer={"concurrency": 3}))
    lua(rt, """
for i = 1, 5 do queue.publish("app:tasks", {n = i}, {correlation_id = "n" .. i}) end
return true
""")
    wait_for(rt, "seen:n5")
    assert any(t.name.startswith("wippy-queue-app-consumer") for t in threading.enumerate())
    rt.close()
    assert [t.name for t in threading.enumerate() if t.name.startswith("wippy-queue-")] == []
