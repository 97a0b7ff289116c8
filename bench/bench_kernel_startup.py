"""Kernel start-up: time from launching the kernel process to its first `kernel_info` reply,
ours (`wippy`) against ILua (`lua`, the other Lua kernel on PyPI), measured in the same run.

Why this figure: it is what a user waits for after opening a notebook or restarting the
kernel; the reply comes only once the kernel imported everything and built its session (a
Runtime, the session Lua state and its modules). The two kernels are started alternately so a
busy machine slows both alike; the ratio of medians is the result.

ILua is a bench-only dependency (`pip install -e ".[bench]"`, which also needs a `lua`
executable on PATH, e.g. Debian's `lua5.4`); without it only our figure is printed.

Run: python -m bench.bench_kernel_startup [rounds]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from jupyter_client.manager import KernelManager

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 7


def _this_checkout_env() -> dict[str, str]:
    """The kernel process must import this checkout's code, whatever is installed."""
    parts = [str(ROOT), str(ROOT / "runtime"), os.environ.get("PYTHONPATH", "")]
    return {"PYTHONPATH": os.pathsep.join(p for p in parts if p)}


def start_seconds(kernel_name: str, env: dict[str, str] | None = None
                  ) -> tuple[float, float]:
    """Start `kernel_name`; (seconds to its first kernel_info reply, seconds to the reply of a
    first cell `1 + 1` sent right after), then shut it down."""
    km = KernelManager(kernel_name=kernel_name)
    t0 = time.perf_counter()
    km.start_kernel(env={**os.environ, **(env or {})})
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)  # sends kernel_info until the first reply
        ready = time.perf_counter() - t0
        reply = kc.execute_interactive("1 + 1", timeout=60, output_hook=lambda _msg: None)
        assert reply["content"]["status"] == "ok", reply["content"]
        return ready, time.perf_counter() - t0
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def have(kernel_name: str) -> bool:
    try:
        KernelSpecManager().get_kernel_spec(kernel_name)
    except NoSuchKernel:
        return False
    return True


def main(rounds: int = ROUNDS) -> dict[str, float]:
    kernels = [("wippy", _this_checkout_env())]
    if have("lua"):
        kernels.append(("lua", None))
    else:
        print("ILua not installed (pip install -e '.[bench]'): measuring wippy alone")
    for name, env in kernels:  # warm the disk cache and the compile cache once
        start_seconds(name, env)
    ready: dict[str, list[float]] = {name: [] for name, _ in kernels}
    first: dict[str, list[float]] = {name: [] for name, _ in kernels}
    for _ in range(rounds):
        for name, env in kernels:
            r, f = start_seconds(name, env)
            ready[name].append(r)
            first[name].append(f)
    medians = {name: statistics.median(ts) for name, ts in ready.items()}
    for name, ts in ready.items():
        print(f"{name:6} ready in {medians[name] * 1000:5.0f} ms median "
              f"(min {min(ts) * 1000:.0f}, max {max(ts) * 1000:.0f}); first cell answered at "
              f"{statistics.median(first[name]) * 1000:5.0f} ms ({rounds} starts)")
    if "lua" in medians:
        print(f"ready: wippy / ILua = {medians['wippy'] / medians['lua']:.2f} (target <= 1.00); "
              f"first cell: wippy / ILua = "
              f"{statistics.median(first['wippy']) / statistics.median(first['lua']):.2f}")
    return medians


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS)
