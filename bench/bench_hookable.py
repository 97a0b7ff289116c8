"""What the hookable library functions cost (runtime/wippy_runtime/lua/hookable.py).

Patterns whose C worst case is small stay on the C matcher; the rest run on the Lua port,
where limits and interrupt reach them. Reported as ratios against the plain C function on
the same input, measured in the same run (best of rounds):

1. an ordinary pattern on a short string (stays on C: the wrapper's overhead only);
2. `%s+` over 14 KB of text (a final quantifier never backtracks: stays on C);
   `(%w+)=` over 14 KB (one backtracking quantifier, n^2 above the budget: the Lua port);
3. `table.concat` of a small list (stays on C).
"""

from __future__ import annotations

import lupa.lua54 as lupa
from wippy_runtime.lua.state import LuaState

CASES = {
    "short pattern (C path)": 'local s = "key=value" return function() return s:match("(%w+)=(%w+)") end',
    "gsub %s+ on 14 KB (C path: a final quantifier is free)":
        'local s = ("hello   world "):rep(1000) return function() return s:gsub("%s+", " ") end',
    "gsub (%w+)= on 14 KB (Lua path)":
        'local s = ("key=value "):rep(1500) return function() return s:gsub("(%w+)=", "%1:") end',
    "table.concat 100 (C path)": 'local t = {} for i = 1, 100 do t[i] = "x" end '
                                 'return function() return table.concat(t, ",") end',
}


def _time(fn, n: int) -> float:
    import time

    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, time.perf_counter() - t0)
    return best / n


def main() -> None:
    safe = LuaState()
    plain = lupa.LuaRuntime(encoding=None)
    for name, code in CASES.items():
        n = 20 if "Lua path" in name else 2000
        ours = _time(safe.lua.execute(code), n)
        base = _time(plain.execute(code), n)
        print(f"{name}: {ours * 1e6:.1f} us vs plain Lua's C {base * 1e6:.1f} us "
              f"= {ours / base:.2f}x")


if __name__ == "__main__":
    main()
