"""The `system` module from real Lua: the Python process's memory, GC, thread and process
facts, GOGC mapped onto the GC threshold, the kept settings, and the real module's permission
checks (a denial is `nil, err` of kind INVALID)."""

from __future__ import annotations

import gc
import os
import socket

from lua_modules_helpers import ERR, policy, run
from wippy_runtime.errors import INVALID, NOT_FOUND, UNAVAILABLE


def test_memory_process_and_runtime_facts(runtime):
    out = run(runtime, """
return { main = function()
  return { stats = system.memory.stats(), alloc = system.memory.allocated(),
           objs = system.memory.heap_objects(), limit = system.memory.get_limit(),
           pid = system.process.pid(), host = system.process.hostname(),
           cwd = system.process.cwd(), threads = system.runtime.goroutines(),
           cpus = system.runtime.cpu_count(), procs = system.runtime.max_procs(),
           exit_type = type(system.exit), mods = system.modules() }
end }""", modules=["system"])
    stats = out["stats"]
    assert stats["alloc"] > 1_000_000 and stats["heap_objects"] > 1000
    assert {"num_gc", "total_alloc", "sys", "heap_alloc", "heap_sys"} <= set(stats)
    assert out["alloc"] > 0 and out["objs"] > 0 and out["limit"] > 0
    assert out["pid"] == os.getpid() and out["host"] == socket.gethostname()
    assert out["cwd"] == os.getcwd()
    assert out["threads"] >= 1 and out["cpus"] == os.cpu_count() and out["procs"] >= 1
    assert out["exit_type"] == "function"
    names = {m["name"] for m in out["mods"]}
    assert {"system", "json", "hash", "logger"} <= names


def test_gc_percent_maps_onto_the_threshold_and_settings_round_trip(runtime):
    before = gc.get_threshold()
    try:
        out = run(runtime, """
return { main = function()
  local orig = system.gc.get_percent()
  local old = system.gc.set_percent(200)
  local now = system.gc.get_percent()
  local procs = system.runtime.max_procs()
  local prev = system.runtime.max_procs(procs + 3)
  local after = system.runtime.max_procs()
  system.runtime.max_procs(procs)
  local lim_prev = system.memory.set_limit(1 << 30)
  local lim = system.memory.get_limit()
  system.memory.set_limit(-1)
  return { orig = orig, old = old, now = now, prev = prev == procs,
           after = after == procs + 3, lim = lim, collected = system.gc.collect() }
end }""", modules=["system"])
        assert out["old"] == out["orig"] and out["now"] == 200
        assert gc.get_threshold()[0] == 1400  # 200 % of CPython's default 700
        assert out["prev"] is True and out["after"] is True
        assert out["lim"] == 1 << 30 and out["collected"] is True
    finally:
        gc.set_threshold(*before)


def test_invalid_values_and_unavailable_calls(runtime):
    out = run(runtime, ERR + """
return { main = function()
  local a, e1 = system.memory.set_limit(-5)
  local b, e2 = system.runtime.max_procs(0)
  local c, e3 = system.gc.set_percent()
  local d, e4 = system.exit(0)
  local f, e5 = system.supervisor.state("app:svc")
  return { nils = not (a or b or c or d or f), e1 = e(e1), e2 = e(e2), e3 = e(e3),
           e4 = e(e4), e5 = e(e5), states = #system.supervisor.states() }
end }""", modules=["system"])
    assert out["nils"] is True and out["states"] == 0
    assert out["e1"]["kind"] == INVALID and "-1" in out["e1"]["message"]
    assert out["e2"]["kind"] == INVALID and out["e2"]["retryable"] is False
    assert out["e3"]["kind"] == INVALID and "required" in out["e3"]["message"]
    assert out["e4"]["kind"] == UNAVAILABLE and out["e5"]["kind"] == NOT_FOUND


def test_permissions_are_checked(runtime):
    allow = policy(runtime, "all")
    deny = policy(runtime, "no_memory", effect="deny", actions="system.read",
                  resources="memory")
    out = run(runtime, ERR + """
return { main = function()
  local s, err = system.memory.stats()
  return { denied = s == nil, err = e(err), pid = system.process.pid() }
end }""", modules=["system"], actor="alice", scope=[allow, deny])
    assert out["denied"] is True and out["pid"] == os.getpid()
    assert out["err"]["kind"] == INVALID
    assert "permission denied: system.read on memory" in out["err"]["message"]
