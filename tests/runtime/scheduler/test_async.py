"""funcs.async futures, worker threads for pooled calls, waiting for a slot by yielding, and
funcs.call into a Lua entry that sleeps without holding up the caller's other coroutines."""

import time

from conftest import ADD_WAT, lua, wat
from wippy_runtime.errors import CANCELED, CONFLICT, NOT_FOUND

BURN_WAT = ('(module (func (export "burn") (param i32) (result i32) (local i32) '
            '(loop $l (local.set 1 (i32.add (local.get 1) (i32.const 3))) '
            '(local.set 0 (i32.sub (local.get 0) (i32.const 1))) '
            '(br_if $l (i32.gt_s (local.get 0) (i32.const 0)))) (local.get 1)))')

SLEEPY = """
local function main(ms, v)
  time.sleep(ms * time.MILLISECOND)
  if v == "fail" then return nil, errors.new({ message = "sleepy failed", kind = errors.CONFLICT }) end
  return v
end
return { main = main }"""


def test_future_delivers_a_payload(rt):
    wat(rt, "add", ADD_WAT, "add", pool={"type": "inline"})
    lua(rt, "a", """
local function main()
  local f, err = funcs.async("t:add", 40, 2)
  local before = f:result()
  local p, ok = f:response():receive()
  local r, rerr = f:result()
  local e, failed = f:error()
  return { before = before == nil, data = p:data(), ok = ok, same = r == p, rerr = rerr == nil,
           complete = f:is_complete(), canceled = f:is_canceled(), failed = failed,
           fmt = p:get_format(), same_ch = f:channel() == f:response() }
end
return { main = main }""", modules=["funcs"])
    assert rt.call("t:a") == {"before": True, "data": 42, "ok": True, "same": True,
                              "rerr": True, "complete": True, "canceled": False,
                              "failed": False, "fmt": "lua/any", "same_ch": True}


def test_future_error_and_unknown_target(rt):
    lua(rt, "sleepy", SLEEPY, modules=["time"])
    lua(rt, "a", """
local function main()
  local f = funcs.async("t:sleepy", 1, "fail")
  local v = f:response():receive()
  local r, err = f:result()
  local e, failed = f:error()
  local nf, nerr = funcs.async("t:nope")
  return { delivered = v:kind(), r = r == nil, kind = err:kind(), failed = failed,
           msg = e:message(), nf = nf == nil, nkind = nerr:kind() }
end
return { main = main }""", modules=["funcs"])
    assert rt.call("t:a") == {"delivered": CONFLICT, "r": True, "kind": CONFLICT,
                              "failed": True, "msg": "sleepy failed", "nf": True,
                              "nkind": NOT_FOUND}


def test_future_cancel(rt):
    lua(rt, "sleepy", SLEEPY, modules=["time"])
    lua(rt, "a", """
local function main()
  local f = funcs.async("t:sleepy", 3000, "late")
  local ok = f:cancel()
  local r, err = f:result()
  local again = f:cancel()
  return { ok = ok, canceled = f:is_canceled(), complete = f:is_complete(), r = r == nil,
           kind = err:kind(), again = again }
end
return { main = main }""", modules=["funcs"])
    t0 = time.monotonic()
    assert rt.call("t:a") == {"ok": True, "canceled": True, "complete": True, "r": True,
                              "kind": CANCELED, "again": False}
    assert time.monotonic() - t0 < 2.5   # did not wait for the canceled 3 s call


def test_many_futures_overlap_and_select(rt):
    lua(rt, "sleepy", SLEEPY, modules=["time"], pool={"type": "lazy", "max_size": 8})
    lua(rt, "a", """
local function main()
  local fs = {}
  for i = 1, 8 do fs[i] = funcs.async("t:sleepy", 100, i) end
  local s = 0
  for i = 1, 8 do s = s + fs[i]:response():receive():data() end
  local slow = funcs.async("t:sleepy", 1000, 0)
  local r = channel.select{ slow:response():case_receive(), time.after("20ms"):case_receive() }
  slow:cancel()
  return { s = s, timed_out = r.channel ~= slow:response() }
end
return { main = main }""", modules=["funcs", "time"])
    t0 = time.monotonic()
    assert rt.call("t:a") == {"s": 36, "timed_out": True}
    # behaviour, not speed: serial would be 800 ms + 1 s; the overlap itself is measured in
    # bench/bench_scheduler.py (bench_fanout)
    assert time.monotonic() - t0 < 1.8


def test_call_into_sleeping_lua_entry_does_not_block_other_coroutines(rt):
    lua(rt, "sleepy", SLEEPY, modules=["time"])
    lua(rt, "a", """
local function main()
  local ticks, stop = 0, false
  coroutine.spawn(function() while not stop do time.sleep("10ms"); ticks = ticks + 1 end end)
  local v, err = funcs.call("t:sleepy", 200, "slept")
  stop = true
  return { v = v, ticks = ticks }
end
return { main = main }""", modules=["funcs", "time"])
    out = rt.call("t:a")
    assert out["v"] == "slept"
    assert out["ticks"] >= 8   # ~20 ticks; 0 or 1 if the call blocked the dispatcher


def test_static_pool_runs_cpu_bound_wasm_on_workers(rt):
    wat(rt, "burn", BURN_WAT, "burn", pool={"type": "static", "workers": 2, "size": 2})
    n = 1
    while True:  # calibrate one call to >= 150 ms on this machine
        t0 = time.monotonic()
        rt.call("t:burn", n)
        if time.monotonic() - t0 >= 0.15:
            break
        n *= 2
    lua(rt, "a", """
local function main(n)
  local ticks, stop = 0, false
  coroutine.spawn(function() while not stop do time.sleep("5ms"); ticks = ticks + 1 end end)
  local v = funcs.call("t:burn", n)
  stop = true
  return { v = v, ticks = ticks }
end
return { main = main }""", modules=["funcs", "time"])
    out = rt.call("t:a", n)
    assert out["v"] == (3 * n) & 0xFFFFFFFF or out["v"] == ((3 * n + 2**31) % 2**32) - 2**31
    assert out["ticks"] >= 5   # the call ran on a worker while the ticker kept going
    stats = {s.entry: s for s in rt.pool_stats()}["t:burn"]
    assert stats.calls >= 2 and stats.busy == 0


def test_waiting_for_a_slot_parks_the_coroutine(rt):
    lua(rt, "sleepy", SLEEPY, modules=["time"], pool={"type": "static", "workers": 1, "size": 1})
    lua(rt, "a", """
local function main()
  local done = channel.new(3)
  local ticks, stop = 0, false
  coroutine.spawn(function() while not stop do time.sleep("10ms"); ticks = ticks + 1 end end)
  for i = 1, 3 do coroutine.spawn(function() done:send(funcs.call("t:sleepy", 60, i)) end) end
  local s = 0
  for _ = 1, 3 do s = s + done:receive() end
  stop = true
  return { s = s, ticks = ticks }
end
return { main = main }""", modules=["funcs", "time"])
    t0 = time.monotonic()
    out = rt.call("t:a")
    wall = time.monotonic() - t0
    assert out["s"] == 6
    assert wall >= 0.17            # one worker: the three calls ran one after another
    assert out["ticks"] >= 10      # ... while the waiting coroutines were parked, not blocking


def test_recursive_entry_through_workers_does_not_deadlock(rt):
    lua(rt, "rec", """
local function main(n)
  if n == 0 then return 0 end
  coroutine.spawn(function() time.sleep("1ms") end)   -- keep the dispatcher busy: calls hop
  local v, err = funcs.call("t:rec", n - 1)
  if err then return nil, err end
  return v + n
end
return { main = main }""", modules=["funcs", "time"], pool={"type": "static", "workers": 1, "size": 1})
    assert rt.call("t:rec", 5) == 15
