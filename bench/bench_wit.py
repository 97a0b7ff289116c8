"""WIT call-path benchmark: our plain-value paths against wasmtime-py's stock calls.

    python bench/bench_wit.py [--quick]

Rows (all measured in this run, best of several repeats, µs per call):
- component add(s32, s32): `ComponentFunction` with plain ints vs stock `Func.__call__`
  with the same ints (already "prepared": stock needs nothing else for s32).
- component transform-users with 1000 users: our path takes plain dicts/lists and returns
  plain dicts/lists; the stock call gets prebuilt `Record` objects and returns `Record`s
  (conversion to and from plain values is *not* charged to the stock side).
- core transform-users through `CoreAbiFunction` (canonical ABI in Python), for reference.
Targets: add <= 1.2x stock, transform-users <= 2x stock.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "runtime"))

from wasmtime import Engine, Instance, Module, Store  # noqa: E402
from wasmtime.component import Component, Linker, Record  # noqa: E402
from wippy_runtime.wit import ComponentFunction, CoreAbiFunction, parse_signatures  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "components"


def best_us(fn, number: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    args = parser.parse_args()
    scale = 0.2 if args.quick else 1.0

    engine = Engine()
    store = Store(engine)
    comp = Component.from_file(engine, FIXTURES / "users.component.wasm")
    inst = Linker(engine).instantiate(store, comp)
    sigs = parse_signatures((FIXTURES / "users.wit").read_text())

    add = inst.get_func(store, "add")
    # bound once per instance, as the runtime's pools do
    add_ours = ComponentFunction.from_func(store, add, "add", sigs["add"]).bind(store, add)
    assert add(store, 6, 7) == add_ours((6, 7)) == 13

    tu = inst.get_func(store, "transform-users")
    tu_ours = ComponentFunction.from_func(store, tu, "transform-users",
                                          sigs["transform-users"]).bind(store, tu)
    users = [{"id": i, "name": f"user{i}", "tags": ["admin", f"t{i % 7}"], "active": i % 2 == 0}
             for i in range(1000)]
    records = []
    for u in users:
        r = Record()
        r.id, r.name, r.tags, r.active = u["id"], u["name"], list(u["tags"]), u["active"]
        records.append(r)
    stock_out = tu(store, records)
    ours_out = tu_ours((users,))
    assert [vars(r) for r in stock_out] == ours_out

    core_store = Store(engine)
    core = Instance(core_store, Module.from_file(engine, FIXTURES / "echo.core.wasm"), [])
    tu_core = CoreAbiFunction(sigs["transform-users"]).bind(core_store, core, "transform-users")
    assert tu_core((users,)) == ours_out

    n_add = max(int(20000 * scale), 1000)
    n_tu = max(int(20 * scale), 3)
    rows = []
    s = best_us(lambda: add(store, 6, 7), n_add, 5)
    o = best_us(lambda: add_ours((6, 7)), n_add, 5)
    rows.append(("component add(s32,s32)", s, o, 1.2))
    s = best_us(lambda: tu(store, records), n_tu, 5)
    o = best_us(lambda: tu_ours((users,)), n_tu, 5)
    rows.append(("component transform-users x1000", s, o, 2.0))
    c = best_us(lambda: tu_core((users,)), n_tu, 5)

    print(f"{'call':36} {'stock µs':>12} {'ours µs':>12} {'ratio':>7} {'target':>7}")
    ok = True
    for name, stock, ours, target in rows:
        ratio = ours / stock
        ok &= ratio <= target
        print(f"{name:36} {stock:12.2f} {ours:12.2f} {ratio:7.2f} {'<=' + str(target):>7}")
    print(f"{'core transform-users x1000 (ABI)':36} {'':>12} {c:12.2f} "
          f"{c / rows[1][1]:7.2f} {'(info)':>7}")
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
