"""Processes: process.wasm / process.lua entries, spawn_monitored EXIT events with result.value
and result.error, messages (send / listen / inbox), links, and long-running processes."""

import time

import pytest
from conftest import lua
from wippy_runtime.errors import INVALID, NOT_FOUND, CallError

MUL_WAT = ('(module (func (export "mul") (param i32 i32) (result i32) '
           'local.get 0 local.get 1 i32.mul))')
TRAP_WAT = '(module (func (export "boom") (param i32 i32) (result i32) unreachable))'



def wasm_process(rt, tmp_path, name, wat_text, method):
    import hashlib

    import wasmtime
    data = bytes(wasmtime.wat2wasm(wat_text))
    (tmp_path / f"{name}.wasm").write_bytes(data)
    rt.define({"id": f"t:{name}", "kind": "process.wasm", "fs": "t:bins", "path": f"/{name}.wasm",
               "hash": "sha256:" + hashlib.sha256(data).hexdigest(), "method": method})


def setup(rt, tmp_path):
    rt.define({"id": "t:processes", "kind": "process.host"})
    rt.define({"id": "t:bins", "kind": "fs.directory", "directory": str(tmp_path)})


WAIT_EXIT = """
local function main(id, a, b)
  local pid, err = process.spawn_monitored(id, "t:processes", a, b)
  if not pid then return nil, err end
  local ev = process.events():receive()
  local r = ev.result
  return { kind = ev.kind, is_exit = ev.kind == process.event.EXIT, from_child = ev.from == pid,
           value = r.value, error = r.error and r.error:message() or nil,
           error_nil = r.error == nil }
end
return { main = main }"""


def test_process_wasm_exit_value_and_trap(rt, tmp_path):
    setup(rt, tmp_path)
    wasm_process(rt, tmp_path, "mul", MUL_WAT, "mul")
    wasm_process(rt, tmp_path, "boom", TRAP_WAT, "boom")
    lua(rt, "parent", WAIT_EXIT)
    out = rt.call("t:parent", "t:mul", 6, 7)
    assert out == {"kind": "pid.exit", "is_exit": True, "from_child": True, "value": 42,
                   "error_nil": True}
    out = rt.call("t:parent", "t:boom", 6, 7)
    assert out["is_exit"] and out["from_child"] and "value" not in out
    assert "unreachable" in out["error"]
    # not callable as a function; unknown entries and hosts are errors, not crashes
    lua(rt, "bad", """return { main = function()
      local a, e1 = process.spawn("t:nope", "t:processes")
      local b, e2 = process.spawn("t:mul", "t:nohost")
      local c, e3 = funcs.call("t:mul", 1, 2)
      return { e1:kind(), e2:kind(), e3:kind() } end }""", modules=["funcs"])
    assert rt.call("t:bad") == [NOT_FOUND, NOT_FOUND, NOT_FOUND]


def test_process_lua_messages_and_exit(rt, tmp_path):
    setup(rt, tmp_path)
    rt.define({"id": "t:echo", "kind": "process.lua", "method": "run", "modules": ["time"],
               "source": """
local function run(parent, greeting)
  local jobs = process.listen("job")
  local total = 0
  while true do
    local v = jobs:receive()
    if v == "stop" then break end
    total = total + v
    process.send(parent, "progress", total)
  end
  local msg = process.inbox():receive()
  return { greeting = greeting, total = total, topic = msg:topic(),
           extra = msg:payload():data(), from_parent = msg:from() == parent,
           me = process.pid() }
end
return { run = run }"""})
    lua(rt, "boss", """
local function main()
  local me = process.pid()
  local progress = process.listen("progress")
  local pid = process.spawn_monitored("t:echo", "t:processes", me, "hi")
  for i = 1, 3 do process.send(pid, "job", i) end
  local seen = {}
  for i = 1, 3 do seen[i] = progress:receive() end
  process.send(pid, "other", { x = 1 })
  process.send(pid, "job", "stop")
  local ev = process.events():receive()
  local bad, err = process.send(pid, "@x", 1)
  return { seen = seen, result = ev.result.value, child = pid, bad_kind = err:kind() }
end
return { main = main }""")
    out = rt.call("t:boss")
    assert out["seen"] == [1, 3, 6]
    r = out["result"]
    assert r["greeting"] == "hi" and r["total"] == 6 and r["topic"] == "other"
    assert r["extra"] == {"x": 1} and r["from_parent"] is True and r["me"] == out["child"]
    assert out["bad_kind"] == INVALID


def test_linked_crash_is_reported_and_long_running_process_keeps_running(rt, tmp_path):
    setup(rt, tmp_path)
    rt.define({"id": "t:crash", "kind": "process.lua", "method": "run", "modules": ["time"],
               "source": "return { run = function() time.sleep('20ms') error('crashed') end }"})
    rt.define({"id": "t:ticker", "kind": "process.lua", "method": "run", "modules": ["time"],
               "source": """return { run = function(parent)
  for i = 1, 10 do time.sleep('20ms'); process.send(parent, 'tick', i) end
  return 'done' end }"""})
    lua(rt, "linker", """
local function main(trap)
  process.set_options({ trap_links = trap })
  local pid = process.spawn_linked("t:crash", "t:processes")
  local ev = process.events():receive()
  return { kind = ev.kind, link_down = ev.kind == process.event.LINK_DOWN,
           msg = ev.result.error:message(), from = ev.from == pid }
end
return { main = main }""")
    out = rt.call("t:linker", True)
    assert out["link_down"] and out["from"] and "crashed" in out["msg"]
    # without trap_links the failure of a linked process is the caller's failure too
    with pytest.raises(CallError, match="linked process failed"):
        rt.call("t:linker", False)
    # a process spawned by one call keeps running while other calls go on
    lua(rt, "starter", """return { main = function()
  local me = process.pid()
  local ticks = process.listen("tick")
  process.spawn("t:ticker", "t:processes", me)
  return ticks:receive() end }""")
    t0 = time.monotonic()
    assert rt.call("t:starter") == 1      # returns after the first tick; the process lives on
    assert time.monotonic() - t0 < 1.0
    lua(rt, "other", "return { main = function() return 5 end }")
    assert rt.call("t:other") == 5
