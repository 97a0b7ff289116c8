"""Scheduler benchmarks (numbers are ratios against baselines measured in the same run).

1. 1,000 Lua coroutines that each time.sleep("50ms") then funcs.call a WAT function.
2. funcs.call fast path from Lua vs a raw ctypes-path call from Python (Target.invoke).
3. CPU-bound WASM on a static pool: 2 workers vs 1 worker, driven by 2 Python threads.
Run: PYTHONPATH=runtime python bench/bench_scheduler.py
"""

from __future__ import annotations

import os
import threading
import time

from wippy_runtime.runtime import Runtime

ADD = ('(module (func (export "add") (param i32 i32) (result i32) '
       'local.get 0 local.get 1 i32.add))')
BURN = ('(module (func (export "burn") (param i32) (result i32) (local i32) '
        '(loop $l (local.set 1 (i32.add (local.get 1) (i32.const 3))) '
        '(local.set 0 (i32.sub (local.get 0) (i32.const 1))) '
        '(br_if $l (i32.gt_s (local.get 0) (i32.const 0)))) (local.get 1)))')


def bench_fanout(rt: Runtime) -> None:
    rt.define({"id": "b:fan", "kind": "function.lua", "modules": ["time", "funcs"],
               "method": "main", "source": """
local function main(n)
  local done = channel.new(n)
  for i = 1, n do coroutine.spawn(function()
    time.sleep("50ms"); done:send(funcs.call("b:add", i, 1)) end) end
  local s = 0
  for _ = 1, n do s = s + done:receive() end
  return s
end
return { main = main }"""})
    t0 = time.perf_counter()
    rt.call("b:fan", 1000)
    wall = time.perf_counter() - t0
    print(f"fan-out 1000 x (sleep 50ms + funcs.call): {wall * 1000:.0f} ms "
          f"(ideal 50 ms; overhead {(wall - 0.05) * 1000:.0f} ms)")


def bench_fast_path(rt: Runtime) -> None:
    rt.define({"id": "b:loop", "kind": "function.lua", "modules": ["funcs"], "method": "main",
               "source": "local function main(n) local c = funcs.call local s = 0 "
                         "for i = 1, n do s = s + c('b:add', i, 1) end return s end "
                         "return { main = main }"})
    n = 200_000
    target = rt.targets["b:add"]
    best_raw = best_lua = 1e9
    for _ in range(3):
        t0 = time.perf_counter()
        for i in range(n):
            target.invoke((i, 1))
        best_raw = min(best_raw, time.perf_counter() - t0)
        t0 = time.perf_counter()
        rt.call("b:loop", n)
        best_lua = min(best_lua, time.perf_counter() - t0)
    print(f"Target.invoke from Python: {best_raw / n * 1e6:.2f} us/call; funcs.call from Lua "
          f"(dispatcher + hook): {best_lua / n * 1e6:.2f} us/call; "
          f"ratio {best_lua / best_raw:.2f}x")


def bench_pool(rt: Runtime) -> None:
    results = {}
    for workers in (1, 2):
        eid = f"b:burn{workers}"
        rt.define({"id": eid, "kind": "function.wat", "method": "burn", "source": BURN,
                   "pool": {"type": "static", "workers": workers, "size": workers}})
        rt.call(eid, 10)
        calls = 40

        def worker(eid: str = eid, calls: int = calls) -> None:
            for _ in range(calls // 2):
                rt.call(eid, 20_000_000)

        threads = [threading.Thread(target=worker) for _ in range(2)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        results[workers] = calls / (time.perf_counter() - t0)
    print(f"static pool CPU-bound: 1 worker {results[1]:.1f} calls/s, 2 workers "
          f"{results[2]:.1f} calls/s, ratio {results[2] / results[1]:.2f}x "
          f"(cpus: {os.cpu_count()})")


def main() -> None:
    with Runtime(cache_dir=False) as rt:
        rt.define({"id": "b:add", "kind": "function.wat", "method": "add", "source": ADD})
        bench_fanout(rt)
        bench_fast_path(rt)
        bench_pool(rt)


if __name__ == "__main__":
    main()
