"""What the typed-Lua front end costs (ratios against baselines measured in the same run).

1. Loading Wippy's whole runtime test app (about 600 Lua files, one in eight typed):
   - baseline: the front end bypassed (typed entries then fail to compile, the rest loads),
   - cold: front end on, chunk cache empty (every typed source is lowered and checked once),
   - warm: front end on, chunk cache filled by an earlier load in this process,
   - the static checker's share: cold loads with and without it, interleaved run by run.
2. The front end alone on the app's typed sources: parsing (the tree included), lowering and
   type-checking vs Lua's own compile of the same (lowered) text, and the chunk cache's hit
   path.
3. A new Lua state compiling a plain chunk vs a chunk that declares a type (the first such
   chunk installs the type library into its state).
Best of N runs each; the machine is shared, so the load average is printed with the results.
Run: PYTHONPATH=runtime python bench/bench_typed_lua.py [APP]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from wippy_runtime.lua import state as state_module
from wippy_runtime.lua.state import LuaState
from wippy_runtime.lua.typed import cache
from wippy_runtime.lua.typed.check import check
from wippy_runtime.lua.typed.lowering import emit, lower
from wippy_runtime.lua.typed.parser import parse
from wippy_runtime.runtime import Runtime

APP = Path(sys.argv[1] if len(sys.argv) > 1 else
           os.environ.get("WIPPY_RUNTIME_TESTS", "/work/shared/wippy-runtime-tests/app"))
RUNS = 3


def best(fn: Callable[[], Any], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def load_app(cache_dir: Path) -> int:
    rt = Runtime(cache_dir=cache_dir)
    try:
        report = rt.load(APP)
        return len(report.errors)
    finally:
        rt.close()


def plain_compile(load: Any, source: str, chunkname: str) -> tuple[Any, str | None]:
    """Lua's own compile, no front end."""
    out = load(source.encode("utf-8"), ("=" + chunkname).encode())
    fn, err = out if type(out) is tuple else (out, None)
    return (fn, None) if fn is not None else (None, str(err))


@contextmanager
def checker_off() -> Iterator[None]:
    """The front end without its static checker (the cache asks `check` for each chunk)."""
    real = cache.check
    cache.check = lambda p: None
    try:
        yield
    finally:
        cache.check = real


def bench_app_load(cache_dir: Path) -> None:
    front_end = state_module.typed.compile
    load_app(cache_dir)  # warm the WASM compile cache and the OS file cache first
    try:
        state_module.typed.compile = (  # type: ignore[attr-defined]
            lambda lua, load, source, chunkname: plain_compile(load, source, chunkname))
        errors_without = load_app(cache_dir)
        base = best(lambda: load_app(cache_dir))
    finally:
        state_module.typed.compile = front_end  # type: ignore[attr-defined]

    def cold() -> None:
        cache.clear()
        load_app(cache_dir)

    errors_with = load_app(cache_dir)
    t_cold = best(cold)
    load_app(cache_dir)
    t_warm = best(lambda: load_app(cache_dir))
    print(f"whole app load, front end bypassed: {base * 1000:.0f} ms "
          f"({errors_without} load errors)")
    print(f"  front end, cold chunk cache: {t_cold * 1000:.0f} ms = {t_cold / base:.2f}x "
          f"({errors_with} load errors: {errors_without - errors_with} more entries load)")
    print(f"  front end, warm chunk cache: {t_warm * 1000:.0f} ms = {t_warm / base:.2f}x")
    checked, unchecked = [], []
    for _ in range(RUNS + 2):  # interleaved: the shared machine's load moves between runs
        checked.append(best(cold, 1))
        with checker_off():
            unchecked.append(best(cold, 1))
    t_on, t_off = min(checked), min(unchecked)
    print(f"  static checker's share of a cold load: {t_on * 1000:.0f} ms with it, "
          f"{t_off * 1000:.0f} ms without = {t_on / t_off:.3f}x")


def typed_sources() -> list[str]:
    state = LuaState()
    out = []
    for path in sorted(APP.rglob("*.lua")):
        text = path.read_text(encoding="utf-8")
        if plain_compile(state._compile, text, "x")[0] is None:
            out.append(text)
    return out


def bench_front_end() -> None:
    sources = typed_sources()
    size = sum(map(len, sources))
    lowered = [lower(s) for s in sources]
    state = LuaState()
    t_lower = best(lambda: [lower(s) for s in sources], 5)
    t_lua = best(lambda: [plain_compile(state._compile, s, "x") for s in lowered], 5)
    trees = [parse(s) for s in sources]
    t_parse = best(lambda: [parse(s) for s in sources], 5)
    t_emit = best(lambda: [emit(p) for p in trees], 5)
    t_check = best(lambda: [check(p) for p in trees], 5)

    def hits() -> None:
        for s in sources:
            cache.lowered(s)

    hits()
    t_hit = best(hits, 5)
    print(f"front end on {len(sources)} typed sources ({size / 1024:.0f} KiB): "
          f"lowering {t_lower * 1000:.1f} ms ({t_lower / len(sources) * 1000:.2f} ms/file), "
          f"Lua's compile of the lowered text {t_lua * 1000:.1f} ms: "
          f"lowering = {t_lower / t_lua:.1f}x compile")
    print(f"  of which parsing {t_parse * 1000:.1f} ms, emitting {t_emit * 1000:.1f} ms; "
          f"type-checking the parsed trees {t_check * 1000:.1f} ms = {t_check / t_lower:.2f}x "
          f"lowering")
    print(f"  chunk cache hits: {t_hit * 1000:.2f} ms = {t_hit / t_lower:.3f}x lowering")


def bench_state() -> None:
    """The type library is installed by the first chunk of a state that declares a type."""
    n = 200
    plain = "local x = 1\nreturn x"
    decl = "type P = {x: number}\nreturn P"
    cache.lowered(decl)

    def states(src: str) -> None:
        for _ in range(n):
            LuaState().try_compile(src, "b")

    t_plain = best(lambda: states(plain))
    t_decl = best(lambda: states(decl))
    print(f"new LuaState + compile of a plain chunk: {t_plain / n * 1e6:.0f} us; of a chunk "
          f"declaring a type (installs the type library): {t_decl / n * 1e6:.0f} us "
          f"= {t_decl / t_plain:.2f}x")


def main() -> None:
    print(f"load average: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        bench_app_load(Path(tmp))
    bench_front_end()
    bench_state()


if __name__ == "__main__":
    main()
