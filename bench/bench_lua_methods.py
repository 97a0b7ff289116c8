"""What calling a Python object's method from Lua costs (lua/state.py, the method lookup).

Wippy's userdata methods are Lua functions (`type(err.kind) == "function"`), so a method read
from a Python object is handed to Lua as a function. Loops run inside Lua (no Python loop in
the measurement); ratios against a plain call of a Python function from Lua, measured in the
same run (best of rounds):

1. `obj:value()`: the lookup and the call, as Lua code writes it;
2. `obj.value`: the lookup alone (what the per-lookup allocation cost was about);
3. `f(obj)` with `f = obj.value` read once: the call alone.
Run: PYTHONPATH=runtime python bench/bench_lua_methods.py
"""

from __future__ import annotations

import time

from wippy_runtime.lua.exposed import lua_methods
from wippy_runtime.lua.state import LuaState

N = 200_000
ROUNDS = 5


@lua_methods("value")
class Box:
    def __init__(self, v: int) -> None:
        self.v = v

    def value(self) -> int:
        return self.v


def plain_value(box: Box) -> int:
    return box.v


CASES = {
    "baseline: a Python function called from Lua, g(obj)":
        "local o, g, n = ... for i = 1, n do local x = g(o) end",
    "obj:value() (lookup + call)": "local o, g, n = ... for i = 1, n do local x = o:value() end",
    "obj.value (lookup only)": "local o, g, n = ... for i = 1, n do local f = o.value end",
    "f(obj), f = obj.value read once (call only)":
        "local o, g, n = ... local f = o.value for i = 1, n do local x = f(o) end",
}


def main() -> None:
    state = LuaState()
    box = Box(7)
    times = {}
    for name, code in CASES.items():
        fn = state.lua.eval(f"function(...) {code} end")
        best = float("inf")
        for _ in range(ROUNDS):
            t0 = time.perf_counter()
            fn(box, plain_value, N)
            best = min(best, time.perf_counter() - t0)
        times[name] = best / N
    base = next(iter(times.values()))
    for name, t in times.items():
        print(f"{name}: {t * 1e9:.0f} ns, {t / base:.2f}x")


if __name__ == "__main__":
    main()
