"""Scheduler benchmarks (numbers are ratios against baselines measured in the same run).

1. 1,000 Lua coroutines that each time.sleep("50ms") then funcs.call a WAT function.
2. funcs.call fast path from Lua vs a raw ctypes-path call from Python (the pool's invoke).
3. CPU-bound WASM on a static pool: 2 workers vs 1 worker, driven by 2 Python threads and by
   2 Lua coroutines (the calls hop to the pool's worker threads, scheduler/offload.py).
4. A component sleeping 3 x 50 ms (wasi clocks/poll) from 4 coroutines (ideal 150 ms).
5. Lua `http_client`: 10 concurrent GETs to a loopback endpoint that sleeps 200 ms (ideal
   200 ms, serial 2,000 ms), from 10 coroutines of one execution.
The machine is shared: the load average is printed with the results.
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
            target.pool.invoke((i, 1))
        best_raw = min(best_raw, time.perf_counter() - t0)
        t0 = time.perf_counter()
        rt.call("b:loop", n)
        best_lua = min(best_lua, time.perf_counter() - t0)
    print(f"pool.invoke from Python: {best_raw / n * 1e6:.2f} us/call; funcs.call from Lua "
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


def bench_pool_lua(rt: Runtime) -> None:
    rt.define({"id": "b:drive", "kind": "function.lua", "modules": ["funcs"], "method": "main",
               "source": """
local function main(eid, calls, n)
  local done = channel.new(2)
  for _ = 1, 2 do coroutine.spawn(function()
    for _ = 1, calls // 2 do funcs.call(eid, n) end
    done:send(true) end) end
  done:receive(); done:receive()
end
return { main = main }"""})
    results = {}
    for workers in (1, 2):
        eid = f"b:burn{workers}"
        t0 = time.perf_counter()
        rt.call("b:drive", eid, 40, 20_000_000)
        results[workers] = 40 / (time.perf_counter() - t0)
    print(f"static pool CPU-bound from 2 Lua coroutines: 1 worker {results[1]:.1f} calls/s, "
          f"2 workers {results[2]:.1f} calls/s, ratio {results[2] / results[1]:.2f}x")


def bench_sleeper(rt: Runtime) -> None:
    import hashlib
    from pathlib import Path

    wasm = Path(__file__).resolve().parent.parent / "tests/fixtures/sleeper"
    digest = hashlib.sha256((wasm / "sleeper.component.wasm").read_bytes()).hexdigest()
    rt.define({"id": "b:bins", "kind": "fs.directory", "directory": str(wasm)})
    rt.define({"id": "b:nap", "kind": "function.wasm", "fs": "b:bins",
               "path": "/sleeper.component.wasm", "hash": f"sha256:{digest}", "method": "nap",
               "imports": ["wasi:clocks", "wasi:poll"], "pool": {"type": "lazy", "max_size": 4}})
    rt.define({"id": "b:naps", "kind": "function.lua", "modules": ["funcs"], "method": "main",
               "source": """
local function main()
  local done = channel.new(4)
  for _ = 1, 4 do coroutine.spawn(function() done:send(funcs.call("b:nap", 50, 3)) end) end
  for _ = 1, 4 do done:receive() end
end
return { main = main }"""})
    rt.call("b:naps")
    t0 = time.perf_counter()
    rt.call("b:naps")
    print(f"sleeping component 3 x 50 ms from 4 coroutines: "
          f"{(time.perf_counter() - t0) * 1000:.0f} ms (ideal 150, serial 600)")


def bench_http(rt: Runtime) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Slow(BaseHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            time.sleep(0.2)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    rt.define({"id": "b:http", "kind": "function.lua", "modules": ["http_client"],
               "method": "main", "source": """
local function main(base, n)
  local done = channel.new(n)
  for _ = 1, n do
    coroutine.spawn(function() done:send((http_client.get(base)).status_code) end)
  end
  for _ = 1, n do assert(done:receive() == 200) end
end
return { main = main }"""})
    base = f"http://127.0.0.1:{srv.server_address[1]}/"
    rt.call("b:http", base, 2)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        rt.call("b:http", base, 10)
        best = min(best, time.perf_counter() - t0)
    srv.shutdown()
    srv.server_close()
    print(f"http_client 10 concurrent GETs of a 200 ms endpoint: {best * 1000:.0f} ms "
          f"(best of 3; ideal 200, serial 2000)")


def main() -> None:
    print(f"load average before: {os.getloadavg()[0]:.2f} (cpus: {os.cpu_count()})")
    with Runtime(cache_dir=False) as rt:
        rt.define({"id": "b:add", "kind": "function.wat", "method": "add", "source": ADD})
        bench_fanout(rt)
        bench_fast_path(rt)
        bench_pool(rt)
        bench_pool_lua(rt)
        bench_sleeper(rt)
        bench_http(rt)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
