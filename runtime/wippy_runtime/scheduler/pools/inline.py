"""The inline pool: one warm instance, calls run on the caller's thread one at a time.

Wippy's `type: inline`: no worker, no queue; the call runs right where it is made. The hot
path of every `funcs.call` to an inline entry is this module's `invoke` closure: it takes the
lock without blocking, runs the warm instance and counts the call, touching nothing else (busy
is derived from the lock, so there is no counter to keep). Every call is counted; one in eight
is timed (reading the clock twice would cost as much as all the rest), and the pool's total
time is that sample's mean times the calls.

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

from ..pool_config import INLINE, PoolPlan
from .base import BusyStores, ErrorMapper, Factory, Pool, PoolStats, get_ident

#: one call in every SAMPLE_MASK + 1 is timed (the first one included): reading the clock
#: twice costs as much as the rest of the pool's bookkeeping, and a mean needs a sample
SAMPLE_MASK = 7


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
        #: the timed calls (one in every SAMPLE_MASK + 1) and their time
        self.timed = 0
        self.timed_ns = 0
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
                calls = pool.calls + 1
                pool.calls = calls
                if calls & SAMPLE_MASK != 1:  # untimed: the other calls of the sample
                    try:
                        return inst.fn(args)
                    except BaseException as exc:
                        pool._failure(inst, exc, None)
                        raise  # _failure always raises; this keeps linters honest
                t0 = clock()
                try:
                    value = inst.fn(args)
                except BaseException as exc:
                    pool._failure(inst, exc, clock() - t0)
                    raise
                elapsed = clock() - t0
                pool.timed += 1
                pool.timed_ns += elapsed
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
            self.lock.acquire()
        finally:
            self.queued -= 1
        self.lock.release()
        return self.invoke(args)

    def held_here(self) -> bool:
        return self.lock.locked() and self.owner.ident == get_ident()

    def _new_warm(self) -> Any:
        inst = self.warm = self.factory()
        self.instances += 1
        return inst

    def _failure(self, inst: Any, exc: BaseException, elapsed: int | None) -> None:
        self.errors += 1  # `calls` was counted before the call
        if elapsed is not None:
            self.timed += 1
            self.timed_ns += elapsed
            self.last_ns = elapsed
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

    def record(self, elapsed_ns: int, failed: bool) -> None:
        """A call made outside the fast path (a private or transient instance): timed."""
        self.calls += 1
        self.timed += 1
        self.timed_ns += elapsed_ns
        self.last_ns = elapsed_ns
        if failed:
            self.errors += 1

    @property
    def total_ns(self) -> int:  # type: ignore[override]
        """All calls' time, estimated from the timed sample (exact while calls <= 1)."""
        timed = self.timed
        return self.timed_ns * self.calls // timed if timed else 0

    @total_ns.setter
    def total_ns(self, _value: int) -> None:
        pass  # derived from the sample (the base class initialises it)

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
