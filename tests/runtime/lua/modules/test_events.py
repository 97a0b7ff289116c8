"""The `events` module and the event bus, from Lua (one execution, and across executions)."""

from __future__ import annotations

import threading
import time

import pytest
from wippy_runtime.errors import INVALID, CallError
from wippy_runtime.scheduler.event_bus import Event, bus_of, matches

RECEIVE = """
local function recv(ch, ms)
  local timer = time.after((ms or 500) * time.MILLISECOND)
  local r = channel.select{ ch:case_receive(), timer:case_receive() }
  if r.channel == ch then return r.value end
  return nil
end
"""


def test_subscribe_send_receive_with_data(run):
    out = run(RECEIVE + """
local sub = events.subscribe("test.*")
local ch = sub:channel()
coroutine.spawn(function()
  time.sleep(5 * time.MILLISECOND)
  events.send("test.system", "test.kind", "/p", {s = "x", n = 42, nested = {a = 1}})
end)
local e = recv(ch)
return {sub:channel() == ch, e.system, e.kind, e.path, e.data.s, e.data.n, e.data.nested.a}
""", ["events", "time"])
    assert out == [True, "test.system", "test.kind", "/p", "x", 42, 1]


def test_patterns_and_kind_filter(run):
    out = run(RECEIVE + """
local all = events.subscribe("app.*")
local only = events.subscribe("app.orders", "order.created")
events.send("other.x", "k", "/no")
events.send("app.orders", "order.deleted", "/1")
events.send("app.orders", "order.created", "/2")
local got = {}
for i = 1, 2 do got[#got + 1] = recv(all:channel()).path end
local o = recv(only:channel())
local none = recv(only:channel(), 30)
return {got, o.path, none == nil}
""", ["events", "time"])
    assert out == [["/1", "/2"], "/2", True]


def test_close_stops_delivery_and_closes_the_channel(run):
    out = run("""
local sub = events.subscribe("closing")
local ch = sub:channel()
local a, b = sub:close(), sub:close()
events.send("closing", "k", "/x")
local v, ok = ch:receive()
return {a, b, v == nil, ok, tostring(sub)}
""", ["events"])
    assert out == [True, True, True, False, "events.Subscription{closed}"]


def test_events_cross_executions_and_threads(run, rt):
    """A subscriber in one execution receives what another execution (on another thread)
    sends, and its subscription ends with its execution."""
    rt.define({"id": "app:sender", "kind": "function.lua", "method": "main",
               "modules": ["events"], "source": """
local function main(n)
  return events.send("cross.sys", "ping", "/n", {n = n})
end
return { main = main }"""})
    bus = bus_of(rt)
    sent = threading.Event()

    def send_later():
        deadline = time.monotonic() + 5
        while len(bus) == 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        rt.call("app:sender", 7)
        sent.set()

    t = threading.Thread(target=send_later)
    t.start()
    out = run(RECEIVE + """
local sub = events.subscribe("cross.*")
local e = recv(sub:channel(), 3000)
return e and e.data.n
""", ["events", "time"])
    t.join()
    assert out == 7 and sent.is_set()
    assert len(bus) == 0  # the execution ended: its subscription is gone


def test_python_side_publish_reaches_lua(run, rt):
    bus = bus_of(rt)
    threading.Timer(0.05, lambda: bus.publish(Event("py.sys", "k", "/from/python", {"v": 1})))\
        .start()
    out = run(RECEIVE + """
local sub = events.subscribe("py.sys")
local e = recv(sub:channel(), 3000)
return {e.path, e.data.v}
""", ["events", "time"])
    assert out == ["/from/python", 1]


def test_registry_changes_are_events(run):
    out = run(RECEIVE + """
local sub = events.subscribe("registry")
local snap = registry.snapshot()
local ch = snap:changes()
ch:create({id = "app:made", kind = "library.lua", data = {source = "return {}"}})
assert(ch:apply())
local e = recv(sub:channel())
return {e.kind, e.path}
""", ["events", "time", "registry"])
    assert out == ["entry.create", "app:made"]


def test_errors_and_bad_arguments(run, policy):
    out = run("""
local s, e1 = events.subscribe("")
local a, e2 = events.send("", "k", "/p")
local b, e3 = events.send("s", "", "/p")
local c, e4 = events.send("s", "k", "")
return {s == nil, e1:kind(), a == nil, e2:kind(), e3:kind(), e4:kind(), e4:retryable()}
""", ["events"])
    assert out == [True, INVALID, True, INVALID, INVALID, INVALID, False]
    with pytest.raises(CallError) as info:
        run("return events.send('s', 42, '/p')", ["events"])
    assert "events.send" in str(info.value) and "kind" in str(info.value)
    allow = policy("allow_all")
    deny = policy("no_send", actions="events.send", resources="locked", effect="deny")
    out = run('local ok, e = events.send("locked", "k", "/p") return {ok == nil, e:message()}',
              ["events"], actor="bob", scope=[allow, deny])
    assert out[0] is True and "not allowed" in out[1]


def test_pattern_matching_rules():
    assert matches("test.*", "test.a") and matches("test.*", "test.a.b")
    assert not matches("test.*", "test") and not matches("test.*", "other.a")
    assert matches("a.*.c", "a.b.c") and not matches("a.*.c", "a.b.x.c")
    assert matches("exact", "exact") and not matches("exact", "exact.more")
