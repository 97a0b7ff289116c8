"""WIT mapping through the whole path: Lua `funcs.call` -> component / core ABI -> Lua.

Same run, same machine, µs per call (median of rounds):
- component add(s32, s32): Lua funcs.call vs stock wasmtime-py `Func.__call__` with ints.
- transform_users with 1000 users built once in Lua: funcs.call (Lua tables in, Lua tables
  out) vs the stock call with prebuilt `Record`s (no conversion charged to stock), for the
  component; and through the canonical ABI of the hand-written core module.
Targets (issue #3): component calls <= 1.2x stock; transform_users <= 2x stock.
Run: python -m bench.bench_funcs_wit
"""

from __future__ import annotations

import hashlib
import statistics
import time
from pathlib import Path

from wasmtime.component import Component, Linker, Record
from wippy_runtime import Runtime
from wippy_runtime.lua.modules import MODULES
from wippy_runtime.lua.state import LuaState

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "components"
USERS_WIT = """record user { id: u32, name: string, tags: list<string>, active: bool }
transform-users: func(users: list<user>) -> list<user>;"""
LUA = """
local users = {}
for i = 1, 1000 do
  users[i] = {id = i, name = "user" .. i, tags = {"admin", "x"}, active = i % 2 == 0}
end
return {
  add = function(n) local s = 0 for i = 1, n do s = s + funcs.call("b:add", 6, 7) end return s end,
  users = function(id, n)
    local out
    for i = 1, n do out = funcs.call(id, users) end
    return #out
  end,
}
"""


def median_us(fn, calls: int, rounds: int = 5) -> float:
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) / calls * 1e6)
    return statistics.median(samples)


def main() -> None:
    rt = Runtime(cache_dir=False)
    digest = hashlib.sha256((FIXTURES / "users.component.wasm").read_bytes()).hexdigest()
    core_digest = hashlib.sha256((FIXTURES / "echo.core.wasm").read_bytes()).hexdigest()
    rt.define({"id": "b:fx", "kind": "fs.directory", "directory": str(FIXTURES)})
    common = {"kind": "function.wasm", "fs": "b:fx", "pool": {"type": "inline"}}
    rt.define({"id": "b:add", **common, "path": "/users.component.wasm",
               "hash": f"sha256:{digest}", "method": "add"})
    rt.define({"id": "b:users", **common, "path": "/users.component.wasm",
               "hash": f"sha256:{digest}", "method": "transform-users"})
    rt.define({"id": "b:users_core", **common, "path": "/echo.core.wasm",
               "hash": f"sha256:{core_digest}", "method": "transform-users", "wit": USERS_WIT})
    state = LuaState()
    MODULES["funcs"](state, rt)
    bench = state.lua.execute(LUA)
    add_loop, users_loop = bench[b"add"], bench[b"users"]

    engine = rt.wasm.engine
    component = Component(engine, (FIXTURES / "users.component.wasm").read_bytes())
    store = rt.wasm.new_store()
    instance = Linker(engine).instantiate(store, component)
    stock_add = instance.get_func(store, "add")
    stock_users = instance.get_func(store, "transform-users")
    records = []
    for i in range(1, 1001):
        r = Record()
        r.id, r.name, r.tags, r.active = i, f"user{i}", ["admin", "x"], i % 2 == 0
        records.append(r)
    assert stock_add(store, 6, 7) == 13 and add_loop(10) == 130
    assert len(stock_users(store, records)) == 1000 and users_loop(b"b:users", 1) == 1000
    assert users_loop(b"b:users_core", 1) == 1000

    n_add, n_users = 20_000, 20
    rows = [
        ("component add: stock Func.__call__",
         median_us(lambda: [stock_add(store, 6, 7) for _ in range(n_add)], n_add)),
        ("component add: Lua funcs.call", median_us(lambda: add_loop(n_add), n_add)),
        ("transform_users x1000: stock, prebuilt Records",
         median_us(lambda: [stock_users(store, records) for _ in range(n_users)], n_users)),
        ("transform_users x1000: Lua funcs.call, component",
         median_us(lambda: users_loop(b"b:users", n_users), n_users)),
        ("transform_users x1000: Lua funcs.call, core + canonical ABI",
         median_us(lambda: users_loop(b"b:users_core", n_users), n_users)),
    ]
    print(f"{'path':60} {'us/call':>11} {'vs stock':>9}")
    for i, (name, us) in enumerate(rows):
        base = rows[0][1] if i < 2 else rows[2][1]
        print(f"{name:60} {us:11.1f} {us / base:8.2f}x")
    add_ratio, users_ratio = rows[1][1] / rows[0][1], rows[3][1] / rows[2][1]
    print(f"\ncomponent add {add_ratio:.2f}x stock (target <= 1.2x): "
          f"{'OK' if add_ratio <= 1.2 else 'OVER'}")
    print(f"transform_users {users_ratio:.2f}x stock (target <= 2x): "
          f"{'OK' if users_ratio <= 2 else 'OVER'}")
    rt.close()


if __name__ == "__main__":
    main()
