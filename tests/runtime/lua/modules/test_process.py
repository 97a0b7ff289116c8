"""The `process` module through real Lua processes: identity, cancel and terminate, monitors,
links and trap_links, options, Spawners with context and identity, the name registry, exec,
and bad arguments."""

from __future__ import annotations

import re
import time

import pytest
from wippy_runtime import Runtime
from wippy_runtime.errors import (
    ALREADY_EXISTS,
    INVALID,
    NOT_FOUND,
    PERMISSION_DENIED,
    CallError,
)


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    runtime.define({"id": "t:processes", "kind": "process.host"})
    yield runtime
    runtime.close()


def proc(rt: Runtime, name: str, source: str, **extra) -> None:
    rt.define({"id": f"t:{name}", "kind": "process.lua", "source": source, "method": "main",
               "modules": ["time", "ctx", "security"], **extra})


def fn(rt: Runtime, name: str, source: str) -> None:
    rt.define({"id": f"t:{name}", "kind": "function.lua", "source": source, "method": "main",
               "modules": ["time", "funcs", "security"]})


WAITER = """return { main = function()
  local ev = process.events():receive()
  return { kind = ev.kind, from = ev.from, reason = ev.reason }
end }"""

FAILER = "return { main = function() time.sleep('20ms') error('boom') end }"


def test_identity_pid_text_and_functions(rt):
    proc(rt, "waiter", WAITER)
    fn(rt, "me", """return { main = function()
      local child = process.spawn("t:waiter", "t:processes")
      process.terminate(child)
      return { child = child, me = process.pid(), same = process.pid() == process.pid(),
               id = process.id(), types = { type(process.pid), type(process.spawn),
               type(process.registry.lookup), type(process.exec) } }
    end }""")
    out = rt.call("t:me")
    assert re.fullmatch(r"\{local@t:processes\|\d+\}", out["child"])
    assert re.fullmatch(r"\{local@local\|\d+\}", out["me"]) and out["same"]
    assert out["id"] == "t:me"
    assert out["types"] == ["function"] * 4


def test_cancel_delivers_a_cancel_event_and_exit_carries_unix_seconds(rt):
    proc(rt, "waiter", WAITER)
    fn(rt, "main", """return { main = function()
      local events = process.events()
      local child = process.spawn_monitored("t:waiter", "t:processes")
      time.sleep("10ms")
      local ok, err = process.cancel(child, "shutdown")
      local ev = events:receive()
      return { ok = ok, err = err == nil, kind = ev.kind == process.event.EXIT,
               from = ev.from == child, at = ev.at, value = ev.result.value,
               me = process.pid() }
    end }""")
    out = rt.call("t:main")
    assert out["ok"] is True and out["err"] and out["kind"] and out["from"]
    assert out["value"] == {"kind": "pid.cancel", "from": out["me"], "reason": "shutdown"}
    assert isinstance(out["at"], int) and abs(out["at"] - time.time()) < 60


def test_terminate_ends_a_waiting_process_and_its_pid_is_gone(rt):
    proc(rt, "waiter", WAITER)
    fn(rt, "main", """return { main = function()
      local events = process.events()
      local child = process.spawn_monitored("t:waiter", "t:processes")
      local ok = process.terminate(child)
      local ev = events:receive()
      local sent, err = process.send(child, "x", 1)
      return { ok = ok, error = ev.result.error:message(), sent = sent == nil, kind = err:kind(),
               message = err:message() }
    end }""")
    out = rt.call("t:main")
    assert out["ok"] is True and "process terminated" in out["error"]
    assert out["sent"] is True and out["kind"] == NOT_FOUND and "not found" in out["message"]


def test_monitor_and_unmonitor(rt):
    proc(rt, "waiter", WAITER)
    fn(rt, "main", """return { main = function()
      local events = process.events()
      local a = process.spawn("t:waiter", "t:processes")
      assert(process.monitor(a))
      process.cancel(a)
      local ev = events:receive()
      local b = process.spawn_monitored("t:waiter", "t:processes")
      time.sleep("5ms")
      assert(process.unmonitor(b))
      process.cancel(b)
      local r = channel.select { events:case_receive(), time.after("200ms"):case_receive() }
      return { first = ev.from == a, quiet = r.channel ~= events }
    end }""")
    assert rt.call("t:main") == {"first": True, "quiet": True}


def test_links_fail_the_peer_unless_it_traps_them(rt):
    proc(rt, "failer", FAILER)
    proc(rt, "normal", "return { main = function() time.sleep('20ms') return 1 end }")
    proc(rt, "linker", """return { main = function(trap, target)
      process.set_options({ trap_links = trap })
      local events = process.events()
      process.spawn_linked(target, "t:processes")
      local r = channel.select { events:case_receive(), time.after("300ms"):case_receive() }
      if r.channel ~= events then return "quiet" end
      return r.value.kind
    end }""")
    fn(rt, "main", """return { main = function(trap, target)
      local events = process.events()
      process.spawn_monitored("t:linker", "t:processes", trap, target)
      local ev = events:receive()
      return ev.result.error and ev.result.error:message() or ev.result.value
    end }""")
    assert rt.call("t:main", True, "t:failer") == "pid.link.down"
    assert "linked process failed" in rt.call("t:main", False, "t:failer")
    assert rt.call("t:main", True, "t:normal") == "quiet"  # a normal exit is not a failure


def test_explicit_link_and_unlink(rt):
    proc(rt, "failer", """return { main = function()
      process.inbox():receive()
      error("boom")
    end }""")
    fn(rt, "main", """return { main = function(unlink)
      process.set_options({ trap_links = true })
      local events = process.events()
      local target = process.spawn("t:failer", "t:processes")
      assert(process.link(target))
      if unlink then assert(process.unlink(target)) end
      process.send(target, "go", 1)
      local r = channel.select { events:case_receive(), time.after("300ms"):case_receive() }
      return r.channel == events and r.value.kind or "quiet"
    end }""")
    assert rt.call("t:main", False) == "pid.link.down"
    assert rt.call("t:main", True) == "quiet"


def test_options_and_their_errors(rt):
    fn(rt, "main", """return { main = function()
      local before = process.get_options().trap_links
      local ok1 = process.set_options({ trap_links = true })
      local after = process.get_options().trap_links
      local ok2, e2 = process.set_options("x")
      local ok3, e3 = process.set_options({ trap_links = "yes" })
      local ok4, e4 = process.set_options({ speed = 1 })
      return { before, ok1, after, ok2, e2:kind(), e2:message(), ok3, e3:message(), ok4,
               e4:message() }
    end }""")
    assert rt.call("t:main") == [False, True, True, False, INVALID,
                                 "options parameter must be a table", False,
                                 "trap_links must be a boolean", False,
                                 "option speed is not supported"]


def test_spawner_passes_context_values_and_identity(rt):
    proc(rt, "seer", """return { main = function()
      local a = security.actor()
      return { rid = ctx.get("request_id"), n = ctx.get("n"), actor = a and a:id(),
               role = a and a:meta().role }
    end }""")
    fn(rt, "main", """return { main = function()
      local events = process.events()
      local sp = process.with_context({ request_id = "r-1" }):with_context({ n = 2 })
        :with_actor(security.new_actor("worker", { role = "admin" }))
      local child, err = sp:spawn_monitored("t:seer", "t:processes")
      local ev = events:receive()
      return { child = type(child), err = err, seen = ev.result.value, sp = tostring(sp) }
    end }""")
    out = rt.call("t:main")
    assert out == {"child": "string", "seen": {"rid": "r-1", "n": 2, "actor": "worker",
                                                 "role": "admin"}, "sp": "process.Spawner"}


def test_spawner_needs_process_context_permission(rt):
    rt.define({"id": "t:only_spawn", "kind": "security.policy",
               "policy": {"actions": ["funcs.call", "process.spawn", "process.host"], "resources": "*",
                          "effect": "allow"}})
    fn(rt, "main", """return { main = function()
      return process.with_context({ a = 1 })
    end }""")
    with pytest.raises(CallError, match="not allowed to spawn processes with custom context") \
            as info:
        rt.call("t:main", actor="u", scope=["t:only_spawn"])
    assert info.value.kind == PERMISSION_DENIED


def test_registry_names(rt):
    proc(rt, "named", """return { main = function()
      assert(process.registry.register("svc"))
      local msg = process.inbox():receive()
      process.send(msg:from(), "pong", msg:payload():data())
      return true
    end }""")
    fn(rt, "main", """return { main = function()
      local events = process.events()
      local inbox = process.inbox()
      local pid = process.spawn_monitored("t:named", "t:processes")
      local found
      for _ = 1, 100 do
        found = process.registry.lookup("svc")
        if found then break end
        time.sleep("5ms")
      end
      local mine, dup = process.registry.register("svc")
      assert(process.send("svc", "ping", 42))
      local reply = inbox:receive()
      events:receive()
      local gone, gone_err = process.registry.lookup("svc")
      assert(process.registry.register("mine"))
      local here = process.registry.lookup("mine") == process.pid()
      local removed, again = process.registry.unregister("mine"), process.registry.unregister("mine")
      return { found = found == pid, dup = dup:kind(), reply = reply:payload():data(),
               gone = gone == nil, gone_kind = gone_err:kind(), here = here,
               removed = removed, again = again, scopes = process.registry.STRONG }
    end }""")
    assert rt.call("t:main") == {"found": True, "dup": ALREADY_EXISTS, "reply": 42,
                                 "gone": True, "gone_kind": NOT_FOUND, "here": True,
                                 "removed": True, "again": False, "scopes": 3}


def test_exec_and_process_entries_called_as_functions(rt):
    proc(rt, "double", "return { main = function(x) return x * 2 end }",
         meta={"default_host": "t:processes"})
    proc(rt, "failer", FAILER, meta={"default_host": "t:processes"})
    proc(rt, "hostless", "return { main = function() return 1 end }")
    fn(rt, "main", """return { main = function()
      local v = process.exec("t:double", "t:processes", 21)
      local nv, e = process.exec("t:failer", "t:processes")
      local c = funcs.call("t:double", 5)
      local f = funcs.async("t:double", 7)
      local fv = f:response():receive():data()
      local h, he = funcs.call("t:hostless")
      local x, xe = process.exec("bad", "t:processes")
      return { v, nv == nil, e:message(), c, fv, he:kind(), he:message(), xe:kind() }
    end }""")
    out = rt.call("t:main")
    assert out[0] == 42 and out[1] is True and "boom" in out[2]
    assert out[3:5] == [10, 14]
    assert out[5] == NOT_FOUND and "without meta.default_host" in out[6]
    assert out[7] == INVALID


@pytest.mark.parametrize(("call", "kind", "message"), [
    ("process.spawn('t:x')", INVALID, "spawn requires at least id and host"),
    ("process.spawn('t:none', 't:processes')", NOT_FOUND, "t:none: no such process entry"),
    ("process.spawn('t:processes', 't:nohost')", NOT_FOUND, "no such process entry"),
    ("process.send(process.pid(), '@events', 1)", INVALID, "cannot send to @ topics"),
    ("process.send('nobody', 'x', 1)", NOT_FOUND, "could not resolve: nobody"),
    ("process.cancel(nil)", INVALID, "cancel requires a destination argument"),
    ("process.cancel(process.pid(), {})", INVALID, "reason must be a string"),
    ("process.monitor('{local@x|99}')", NOT_FOUND, "could not resolve"),
    ("process.listen('@x')", INVALID, "cannot listen to @ topics"),
    ("process.registry.register('n', nil, 9)", INVALID, "scope must be a number"),
    ("process.upgrade()", INVALID, "only a spawned process can upgrade"),
])
def test_bad_arguments_return_errors(rt, call, kind, message):
    fn(rt, "main", f"""return {{ main = function()
      local v, err = {call}
      return {{ v == nil, err:kind(), err:message() }}
    end }}""")
    out = rt.call("t:main")
    assert out[0] is True and out[1] == kind and message in out[2]


def test_channels_keep_their_identity(rt):
    fn(rt, "main", """return { main = function()
      return { process.inbox() == process.inbox(), process.events() == process.events(),
               process.listen("a") == process.listen("a"), process.listen("a") ~= process.listen("b") }
    end }""")
    assert rt.call("t:main") == [True, True, True, True]


def test_upgrade_keeps_the_pid_monitors_and_pending_messages(rt):
    proc(rt, "v1", """return { main = function(n)
      local msg = process.inbox():receive()
      process.upgrade("t:v2", n + msg:payload():data())
      return "not reached"
    end }""")
    proc(rt, "v2", """return { main = function(total)
      local again = process.inbox():receive()
      return { total = total, again = again:payload():data(), me = process.pid() }
    end }""")
    proc(rt, "bad", """return { main = function()
      local ok, err = process.upgrade("t:nothing")
      return err:kind()
    end }""")
    fn(rt, "main", """return { main = function()
      local events = process.events()
      local pid = process.spawn_monitored("t:v1", "t:processes", 1)
      process.send(pid, "go", 10)
      process.send(pid, "later", 100)
      local ev = events:receive()
      local bad = process.spawn_monitored("t:bad", "t:processes")
      local ev2 = events:receive()
      return { from = ev.from == pid, value = ev.result.value, pid = pid,
               bad = ev2.result.value }
    end }""")
    out = rt.call("t:main")
    assert out["from"] and out["value"]["total"] == 11 and out["value"]["again"] == 100
    assert out["value"]["me"] == out["pid"] and out["bad"] == NOT_FOUND


def test_process_entry_called_as_function_needs_funcs_call_permission(rt):
    proc(rt, "double", "return { main = function(x) return x * 2 end }",
         meta={"default_host": "t:processes"})
    rt.define({"id": "t:enter", "kind": "security.policy",
               "policy": {"actions": "funcs.call", "resources": "t:main", "effect": "allow"}})
    fn(rt, "main", """return { main = function()
      local v, err = funcs.call("t:double", 1)
      local f, ferr = funcs.async("t:double", 1)
      return { v == nil, err and err:kind(), f == nil, ferr and ferr:kind() }
    end }""")
    assert rt.call("t:main", actor="u", scope=["t:enter"]) == [True, PERMISSION_DENIED, True,
                                                               PERMISSION_DENIED]
    # without a security context the calls go through
    assert rt.call("t:main") == {1: False, 3: False}


def test_terminate_stops_a_busy_loop(rt):
    proc(rt, "spinner", """return { main = function()
      local n = 0
      while true do n = n + 1 end
    end }""")
    fn(rt, "main", """return { main = function()
      local events = process.events()
      local pid = process.spawn_monitored("t:spinner", "t:processes")
      time.sleep("20ms")
      process.terminate(pid)
      local ev = events:receive()
      return ev.result.error:message()
    end }""")
    assert "process terminated" in rt.call("t:main")


def test_a_failing_function_takes_its_linked_processes_down(rt):
    from wippy_runtime.lua.modules.process import host_of

    proc(rt, "waiter", WAITER)
    fn(rt, "parent", """return { main = function(name, fail)
      local pid = process.spawn_linked("t:waiter", "t:processes")
      assert(process.registry.register(name, pid))
      if fail then error("parent failed") end
      return pid
    end }""")
    host = host_of(rt)
    rt.call("t:parent", "stays", False)  # a normal end leaves the linked process running
    with pytest.raises(CallError, match="parent failed"):
        rt.call("t:parent", "goes", True)
    deadline = time.monotonic() + 5
    while host.resolve("goes") is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert host.resolve("goes") is None  # it failed with its parent (it did not trap links)
    survivor = host.resolve("stays")
    assert survivor is not None
    host.terminate(survivor)
