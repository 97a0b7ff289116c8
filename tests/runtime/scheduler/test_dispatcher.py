"""The dispatcher: time, channels, select, coroutine.spawn, interrupt of parked executions."""

import threading
import time

import pytest
from conftest import ADD_WAT, lua, wat
from wippy_runtime.errors import CANCELED, INVALID, TIMEOUT, CallError
from wippy_runtime.scheduler.dispatcher import Dispatcher


def test_thousand_coroutines_sleep_then_call_wasm(rt):
    wat(rt, "add", ADD_WAT, "add")
    lua(rt, "fan", """
local function main(n)
  local done = channel.new(n)
  for i = 1, n do
    coroutine.spawn(function()
      time.sleep("50ms")
      local v, err = funcs.call("t:add", i, 1)
      done:send(v)
    end)
  end
  local s = 0
  for _ = 1, n do s = s + done:receive() end
  return s
end
return { main = main }""", modules=["time", "funcs"])
    t0 = time.monotonic()
    assert rt.call("t:fan", 1000) == sum(range(2, 1002))
    assert time.monotonic() - t0 < 5.0   # generous; serial would be 50 s


def test_sleep_durations_and_bad_input(rt):
    lua(rt, "s", """
local function main()
  local t0 = time.now()
  time.sleep(20 * time.MILLISECOND)
  time.sleep("10ms")
  local elapsed = time.now():sub(t0):milliseconds()
  local r, err = time.sleep("5")
  local r2, err2 = time.sleep({})
  return { elapsed = elapsed, err = err:kind(), err2 = err2:kind(), r = r == nil }
end
return { main = main }""", modules=["time"])
    out = rt.call("t:s")
    assert out["elapsed"] >= 30
    assert out["err"] == INVALID and out["err2"] == INVALID and out["r"] is True


def test_unbuffered_channel_rendezvous_and_close(rt):
    lua(rt, "c", """
local function main()
  local ch = channel.new()
  local log = {}
  coroutine.spawn(function()
    for i = 1, 3 do ch:send(i) end
    ch:close()
  end)
  while true do
    local v, ok = ch:receive()
    if not ok then break end
    log[#log + 1] = v
  end
  local sent_ok = pcall(function() ch:send(9) end)
  return { log = log, closed_send_raises = not sent_ok }
end
return { main = main }""")
    assert rt.call("t:c") == {"log": [1, 2, 3], "closed_send_raises": True}


def test_buffered_values_survive_close(rt):
    lua(rt, "b", """
local function main()
  local ch = channel.new(2)
  ch:send("a"); ch:send("b"); ch:close()
  local a = ch:receive(); local b = ch:receive(); local c, ok = ch:receive()
  return { a, b, ok }
end
return { main = main }""")
    assert rt.call("t:b") == ["a", "b", False]


def test_select_timeout_default_and_identity(rt):
    lua(rt, "sel", """
local function main()
  local ch = channel.new()
  local r = channel.select{ ch:case_receive(), default = true }
  local timeout = time.after("20ms")
  coroutine.spawn(function() time.sleep("5ms"); ch:send("hi") end)
  local r2 = channel.select{ ch:case_receive(), timeout:case_receive() }
  local r3 = channel.select{ ch:case_receive(), timeout:case_receive() }
  return { default = r.default, first = r2.value, first_is_ch = r2.channel == ch,
           second_is_timer = r3.channel == timeout }
end
return { main = main }""", modules=["time"])
    assert rt.call("t:sel") == {"default": True, "first": "hi", "first_is_ch": True,
                                "second_is_timer": True}


def test_timer_and_ticker(rt):
    lua(rt, "tk", """
local function main()
  local tk = time.ticker("5ms")
  local n = 0
  for _ = 1, 3 do tk:channel():receive(); n = n + 1 end
  tk:stop()
  local t = time.timer("1h")
  local stopped = t:stop()
  local t2 = time.timer("5ms")
  local v = t2:response():receive()
  local bad, err = time.timer(0)
  return { n = n, stopped = stopped, fired = v ~= nil, err = err:kind() }
end
return { main = main }""", modules=["time"])
    assert rt.call("t:tk") == {"n": 3, "stopped": True, "fired": True, "err": INVALID}


def test_spawned_error_does_not_kill_main(rt):
    out = []
    rt.set_output(out.append)
    lua(rt, "e", """
local function main()
  coroutine.spawn(function() error("boom") end)
  time.sleep("1ms")
  return "ok"
end
return { main = main }""", modules=["time"])
    assert rt.call("t:e") == "ok"
    assert any("boom" in line for line in out)


def test_interrupt_wakes_a_sleeping_execution(rt):
    lua(rt, "z", "return { main = function() time.sleep('10s') return 1 end }",
        modules=["time"])
    threading.Timer(0.1, rt.interrupt).start()
    t0 = time.monotonic()
    with pytest.raises(CallError) as info:
        rt.call("t:z")
    assert info.value.kind == CANCELED and info.value.entry == "t:z"
    assert time.monotonic() - t0 < 2.0
    lua(rt, "ok", "return { main = function() time.sleep('1ms') return 2 end }",
        modules=["time"])
    assert rt.call("t:ok") == 2


def test_lua_limit_applies_to_spawned_coroutines(rt):
    lua(rt, "spin", """
local function main()
  coroutine.spawn(function() while true do end end)
  time.sleep("1ms")
  return 1
end
return { main = main }""", modules=["time"], limits={"max_execution_ms": 100})
    with pytest.raises(CallError) as info:
        rt.call("t:spin")
    assert info.value.kind == TIMEOUT


# -- values in bulk across the task boundary (lupa cannot move many off a coroutine's stack) --
MANY = "local t = {} for i = 1, 100000 do t[i] = i end"


def test_an_execution_returning_a_hundred_thousand_values(rt):
    lua(rt, "many", f"return {{ main = function() {MANY} return table.unpack(t) end }}")
    pool = rt.targets["t:many"].pool
    inst = pool.acquire()
    try:  # the dispatcher's own answer: every value, in order
        out = Dispatcher(inst.state, "t:many").run(inst.method, ())
    finally:
        pool.release(inst)
    assert out[0] is True and len(out) == 100001 and out[1:4] == (1, 2, 3)
    assert out[-1] == 100000
    assert rt.call("t:many") == 1  # a call's value is the first result
    lua(rt, "caller", "return { main = function() local v, err = funcs.call('t:many') "
        "return v end }", modules=["funcs"])
    assert rt.call("t:caller") == 1


def test_a_task_yielding_or_returning_many_values_does_not_crash(rt):
    lua(rt, "yielder", f"""return {{ main = function()
  {MANY}
  local done = channel.new(1)
  coroutine.spawn(function() coroutine.yield(table.unpack(t)) done:send(#t) return table.unpack(t) end)
  coroutine.yield(table.unpack(t))
  return done:receive()
end }}""", modules=["time"])
    assert rt.call("t:yielder") == 100000
    # a Lua coroutine of the task's own still gets every yielded value
    lua(rt, "inner", f"""return {{ main = function()
  {MANY}
  local co = coroutine.wrap(function() coroutine.yield(table.unpack(t)) end)
  return select("#", co())
end }}""")
    assert rt.call("t:inner") == 100000


def test_interrupt_reaches_an_error_value_whose_tostring_loops(rt):
    lua(rt, "loop", "return { main = function() error(setmetatable({}, {__tostring = "
        "function() while true do end end})) end }")
    t = threading.Timer(0.3, rt.interrupt)
    t.start()
    t0 = time.monotonic()
    with pytest.raises(CallError) as info:
        rt.call("t:loop")
    assert info.value.kind == CANCELED and info.value.entry == "t:loop"
    assert time.monotonic() - t0 < 5
    wat(rt, "add", ADD_WAT, "add")
    assert rt.call("t:add", 1, 2) == 3
