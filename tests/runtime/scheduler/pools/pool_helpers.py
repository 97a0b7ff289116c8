"""Instances for pool unit tests: plain Python callables, so each pool type's bookkeeping is
tested on its own (the WASM and Lua instances are tested through entries elsewhere)."""

from __future__ import annotations

import threading
import time
from typing import Any

from wippy_runtime.errors import CallError
from wippy_runtime.scheduler.pool_config import PoolConfig, select_pool
from wippy_runtime.scheduler.pools import make_pool


class Counter:
    """An instance whose `fn` returns (its serial, args); `boom` raises, `trap` spoils it."""

    def __init__(self, serial: int, log: list[str]) -> None:
        self.serial = serial
        self.log = log
        self.closed = False
        self.gate: threading.Event | None = None

    def fn(self, args: tuple) -> Any:
        if args and args[0] == "boom":
            raise CallError("boom", entry="t:x")
        if args and args[0] == "trap":
            raise RuntimeError("trap")
        if args and isinstance(args[0], threading.Event):
            args[0].wait(5)
        return self.serial, args

    def close(self) -> None:
        self.closed = True
        self.log.append(f"close {self.serial}")


def map_error(exc: BaseException) -> tuple[CallError, bool]:
    if isinstance(exc, CallError):
        return exc, False
    return CallError(f"{type(exc).__name__}: {exc}", entry="t:x"), True


def pool_of(pool: dict[str, Any], **options: Any):
    """A pool for a `pool:` block, its instances and a log of closes."""
    made: list[Counter] = []
    log: list[str] = []

    def factory() -> Counter:
        inst = Counter(len(made) + 1, log)
        made.append(inst)
        return inst

    plan = select_pool(PoolConfig.from_data(pool))
    p = make_pool("t:x", plan, factory, map_error, **options)
    p.start()
    return p, made, log


def wait_for(condition: Any, timeout: float = 5.0) -> None:
    """Spin until `condition()` holds (threads in these tests reach their state in
    microseconds); fail instead of hanging."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.0005)
