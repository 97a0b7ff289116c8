"""What loading WASM entries into lazy pools costs (kinds/wasm_function.py, pools/lazy.py).

A lazy pool makes no instance at load, except for a module with a start function (its first
instance is made at load, so a start function that loops or traps fails the load). Ratios
against plain lazy loads of the same number of modules, measured in the same run (best of
rounds; every module is distinct, so each load compiles):

1. modules with a start function (the load makes and keeps one instance each);
2. what making an instance for *every* lazy pool at load would cost (plain modules, then one
   instance each): the reason the load does it only for modules with a start function.
Run: PYTHONPATH=runtime python bench/bench_load.py
"""

from __future__ import annotations

import os
import time

from wippy_runtime.runtime import Runtime

STARTS = ('(module (memory (export "memory") 1) (global $g (mut i32) (i32.const 0)) '
          '(func $init (global.set $g (i32.const {n}))) (start $init) '
          '(func (export "f") (result i32) global.get $g))')
#: the same module without its start section (the same code to compile)
PLAIN = STARTS.replace("(start $init) ", "").replace("global.get $g", "i32.const {n}")
N = 200
ROUNDS = 5


def _load(source: str, *, instantiate_all: bool = False) -> float:
    with Runtime(cache_dir=False) as rt:
        t0 = time.perf_counter()
        for i in range(N):
            rt.define({"id": f"b:e{i}", "kind": "function.wat", "method": "f",
                       "source": source.format(n=i)})
            if instantiate_all:
                rt.targets[f"b:e{i}"].pool.ensure_instance()
        wall = time.perf_counter() - t0
        assert rt.call(f"b:e{N - 1}") == N - 1
        return wall


def main() -> None:
    print(f"load average before: {os.getloadavg()[0]:.2f} (cpus: {os.cpu_count()})")
    best = {"plain": 1e9, "start": 1e9, "all": 1e9}
    for _ in range(ROUNDS):
        best["plain"] = min(best["plain"], _load(PLAIN))
        best["start"] = min(best["start"], _load(STARTS))
        best["all"] = min(best["all"], _load(PLAIN, instantiate_all=True))
    base = best["plain"]
    print(f"lazy load of {N} plain modules: {base / N * 1e3:.3f} ms each (baseline)")
    print(f"  with a start function (one instance made at load): "
          f"{best['start'] / N * 1e3:.3f} ms each, {best['start'] / base:.2f}x")
    print(f"  plain, one instance made for every pool: "
          f"{best['all'] / N * 1e3:.3f} ms each, {best['all'] / base:.2f}x")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
