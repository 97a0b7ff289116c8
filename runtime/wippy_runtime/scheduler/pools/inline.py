"""The inline pool: one warm instance, calls run on the caller's thread one at a time.

Wippy's `type: inline`: no worker, no queue; the call runs right where it is made. The hot
path of every `funcs.call` to an inline entry is this module's `invoke` closure: it takes the
lock without blocking, runs the warm instance and counts the call, touching nothing else (busy
is derived from the lock, so there is no counter to keep).

Re-entrancy: `owner` is the thread that last took the lock (set on every acquisition, never
cleared). When the lock is taken and `owner` is this thread, the call is re-entrant (an entry
calling itself through `funcs.call`) and runs on a private instance instead of deadlocking; a
stale `owner` can at worst cost one private instance, never a wrong result. Entries that
share one lock (the inline entries of one component, wasm/instance_groups.py) share its
`Owner` too, and pass a `private_call` that runs on a private instance of the group.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from time import perf_counter_ns
from typing import Any

from ..limits import check_current, wait_slice
from ..pool_config import INLINE, PoolPlan
from .base import BusyStores, ErrorMapper, Factory, Pool, PoolStats, get_ident


class Owner:
    """Which thread last took an inline lock (0: none yet). Pools that share one lock share
    one Owner, so a thread inside any of them is recognised by all."""

    __slots__ = ("ident",)

    def __init__(self) -> None:
        self.ident = 0


class InlinePool(Pool):
    type = INLINE

    def __init__(self, entry_id: str, plan: PoolPlan, factory: Factory,
                 map_error: ErrorMapper, generation: int = 1, *,
                 lock: threading.Lock | None = None, owner: Owner | None = None,
                 private_call: Callable[[tuple], Any] | None = None) -> None:
        self.lock = lock if lock is not None else threading.Lock()
        #: the thread that last took `lock` (shared with the pools sharing the lock)
        self.owner = owner if owner is not None else Owner()
        self.warm: Any = None
        self._private_call = private_call
        super().__init__(entry_id, plan, factory, map_error, generation)

    def start(self) -> None:
        self.warm = self.factory()
        self.instances = 1

    def ensure_instance(self) -> None:
        if self.warm is None and not self.retired:
            with self.lock:
                if self.warm is None:
                    self.start()

    def _make_invoke(self) -> Callable[[tuple], Any]:
        lock = self.lock
        acquire, release = lock.acquire, lock.release
        pool = self
        owner = self.owner
        clock, ident = perf_counter_ns, get_ident  # closure cells: cheaper than globals

        def invoke(args: tuple) -> Any:
            if not acquire(False):
                return pool._contended(args)
            try:
                owner.ident = ident()
                inst = pool.warm
                if inst is None:
                    inst = pool._new_warm()
                t0 = clock()
                try:
                    value = inst.fn(args)
                except BaseException as exc:
                    pool._failure(inst, exc, clock() - t0)
                    raise  # _failure always raises; this keeps linters honest
                elapsed = clock() - t0
                pool.calls += 1
                pool.total_ns += elapsed
                pool.last_ns = elapsed
                return value
            finally:
                if pool.retired:
                    pool._close_warm()
                release()

        return invoke

    def _contended(self, args: tuple) -> Any:
        if self.held_here():
            if self._private_call is not None:
                return self._private_call(args)
            return self.invoke_transient(args)
        self.queued += 1
        try:
            # a queued caller still obeys its execution's deadline and interrupt
            while True:
                check_current()
                slice_s = wait_slice(None)
                if self.lock.acquire(timeout=-1 if slice_s is None else slice_s):
                    break
        finally:
            self.queued -= 1
        self.lock.release()
        check_current()  # interrupted while it waited: do not start now
        return self.invoke(args)

    def held_here(self) -> bool:
        return self.lock.locked() and self.owner.ident == get_ident()

    def _new_warm(self) -> Any:
        inst = self.warm = self.factory()
        self.instances += 1
        return inst

    def _failure(self, inst: Any, exc: BaseException, elapsed: int) -> None:
        self.record(elapsed, True)
        err, discard = self.map_error(exc)
        if discard:
            self.warm = None
            self.instances -= 1
            self.replaced += 1
            inst.close()
        raise err from None

    def busy_stores(self) -> BusyStores:
        warm, lock = self.warm, self.lock
        store = getattr(warm, "store", None)
        if store is None or not lock.locked():
            return []
        return [(store, lambda: lock.locked() and self.warm is warm)]

    def stats(self) -> PoolStats:
        busy = 1 if self.lock.locked() else 0
        return self._stats(idle=self.instances - busy, busy=busy)

    def retire(self) -> None:
        self.retired = True
        self._shutdown_executor()
        # An in-flight call closes the warm instance itself when it finishes.
        if self.lock.acquire(False):
            try:
                self._close_warm()
            finally:
                self.lock.release()

    def _close_warm(self) -> None:
        warm, self.warm = self.warm, None
        if warm is not None:
            self.instances -= 1
            warm.close()
        self.closed = True
