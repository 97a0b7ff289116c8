"""The inline pool: one warm instance, calls run on the caller's thread one at a time.

Wippy's `type: inline`: no worker, no queue; the call runs right where it is made. The hot
path of every `funcs.call` to an inline entry is this module's `invoke` closure: it takes the
gate's token without blocking, runs the warm instance and counts the call, touching nothing
else (busy is derived from the gate, so there is no counter to keep). Every call is counted;
one in eight is timed (reading the clock twice would cost as much as all the rest): the
pool's total time is that sample's mean times the calls, and its latencies (p95) are the
sample's.

Re-entrancy: the gate's `owner` is the thread that last took its token (set on every take,
never cleared). When the token is taken and `owner` is this thread, the call is re-entrant (an
entry calling itself through `funcs.call`) and runs on a private instance instead of
deadlocking; a stale `owner` can at worst cost one private instance, never a wrong result.
Entries that share one gate (the inline entries of one component, wasm/instance_groups.py)
pass a `private_call` that runs on a private instance of the group.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from time import perf_counter_ns
from typing import Any

from ..limits import check_current, wait_slice
from ..pool_config import INLINE, PoolPlan
from .base import BusyStores, ErrorMapper, Factory, Pool, PoolStats, get_ident

#: one call in every SAMPLE_MASK + 1 is timed (the first one included): reading the clock
#: twice costs as much as the rest of the pool's bookkeeping, and a mean needs a sample
SAMPLE_MASK = 7


class Gate:
    """One call at a time through an inline pool (shared by the pools of one instance group).

    `free` holds one token while nobody is inside: taking it is `list.pop()` and giving it
    back `list.append()`, each one atomic C call (a quarter of a Lock's acquire + release,
    which matters on the hot path). Waiters sleep on `cond`; whoever gives the token back
    wakes one when `waiting` says someone sleeps (a waiter counts itself before it looks at
    the token, so no wake-up is lost; its bounded wait is only a safety net). `owner` is the
    thread that took the token last (set on every take, never cleared).
    """

    __slots__ = ("free", "cond", "waiting", "owner")

    def __init__(self) -> None:
        self.free: list[bool] = [True]
        self.cond = threading.Condition(threading.Lock())
        self.waiting = 0
        self.owner = 0

    def busy(self) -> bool:
        return not self.free

    def wake(self) -> None:
        with self.cond:
            self.cond.notify()

    def wait_free(self) -> None:
        """Block until the token is back (it may be taken again before the caller retries)."""
        with self.cond:
            self.waiting += 1
            try:
                while not self.free:
                    # a queued caller still obeys its execution's deadline and interrupt
                    check_current()
                    self.cond.wait(wait_slice(0.05))
            finally:
                self.waiting -= 1


class InlinePool(Pool):
    type = INLINE

    def __init__(self, entry_id: str, plan: PoolPlan, factory: Factory,
                 map_error: ErrorMapper, generation: int = 1, *,
                 gate: Gate | None = None,
                 private_call: Callable[[tuple], Any] | None = None) -> None:
        #: one call at a time (shared with the other pools of an instance group)
        self.gate = gate if gate is not None else Gate()
        self.warm: Any = None
        self._private_call = private_call
        #: the timed calls (one in every SAMPLE_MASK + 1) and their time
        self.timed = 0
        self.timed_ns = 0
        #: the compiled lane serving this pool from Lua, if any (calls.py); its counters
        #: are this pool's too
        self.lane: Any = None
        super().__init__(entry_id, plan, factory, map_error, generation)

    def start(self) -> None:
        self.warm = self.factory()
        self.instances = 1
        self.bind_lane()

    def bind_lane(self) -> None:
        """Tell the compiled lane (if any) what it may run now: the warm instance, unless the
        pool is retired or traced (then every call takes the Python path)."""
        lane = self.lane
        if lane is not None:
            warm = self.warm
            lane.bind(warm if warm is not None and not self.retired and not self.observed
                      else None)

    def observe(self, wrap: Callable[[Callable[[tuple], Any]], Callable[[tuple], Any]] | None,
                ) -> None:
        super().observe(wrap)
        self.bind_lane()

    def ensure_instance(self) -> None:
        if self.warm is None and not self.retired:
            gate = self.gate
            while True:
                try:
                    gate.free.pop()
                    break
                except IndexError:
                    gate.wait_free()
            try:
                if self.warm is None:
                    self.start()
            finally:
                self._give_back()

    def _make_invoke(self) -> Callable[[tuple], Any]:
        gate = self.gate
        take, give = gate.free.pop, gate.free.append
        pool = self
        clock, ident = perf_counter_ns, get_ident  # closure cells: cheaper than globals
        record_latency = self.latencies.append

        def invoke(args: tuple) -> Any:
            try:
                take()
            except IndexError:
                return pool._contended(args)
            try:
                gate.owner = ident()
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
                record_latency(elapsed)
                return value
            finally:
                if pool.retired:
                    pool._close_warm()
                give(True)
                if gate.waiting:
                    gate.wake()

        return invoke

    def _contended(self, args: tuple) -> Any:
        if self.held_here():
            if self._private_call is not None:
                return self._private_call(args)
            return self.invoke_transient(args)
        self.queued += 1
        try:
            self.gate.wait_free()
        finally:
            self.queued -= 1
        check_current()  # interrupted or out of time while it waited: do not start now
        return self.invoke(args)

    def held_here(self) -> bool:
        gate = self.gate
        return not gate.free and gate.owner == get_ident()

    def _give_back(self) -> None:
        gate = self.gate
        gate.free.append(True)
        if gate.waiting:
            gate.wake()

    def _new_warm(self) -> Any:
        inst = self.warm = self.factory()
        self.instances += 1
        self.bind_lane()
        return inst

    def _failure(self, inst: Any, exc: BaseException, elapsed: int | None) -> None:
        self.errors += 1  # `calls` was counted before the call
        if elapsed is not None:
            self.timed += 1
            self.timed_ns += elapsed
            self.last_ns = elapsed
            self.latencies.append(elapsed)
        err, discard = self.map_error(exc)
        if discard:
            self.warm = None
            self.bind_lane()
            self.instances -= 1
            self.replaced += 1
            inst.close()
        raise err from None

    def busy_stores(self) -> BusyStores:
        warm, gate = self.warm, self.gate
        store = getattr(warm, "store", None)
        if store is None or gate.free:
            return []
        return [(store, lambda: not gate.free and self.warm is warm)]

    def record(self, elapsed_ns: int, failed: bool) -> None:
        """A call made outside the fast path (a private or transient instance): timed."""
        self.calls += 1
        self.timed += 1
        self.timed_ns += elapsed_ns
        self.last_ns = elapsed_ns
        self.latencies.append(elapsed_ns)
        if failed:
            self.errors += 1

    @property
    def total_ns(self) -> int:
        """All calls' time, estimated from the timed sample (exact while calls <= 1)."""
        timed, timed_ns, calls = self.timed, self.timed_ns, self.calls
        lane = self.lane
        if lane is not None:
            timed, timed_ns, calls = timed + lane.timed, timed_ns + lane.timed_ns, calls + lane.calls
        return timed_ns * calls // timed if timed else 0

    @total_ns.setter
    def total_ns(self, _value: int) -> None:
        pass  # derived from the sample (the base class initialises it)

    def stats(self) -> PoolStats:
        busy = 0 if self.gate.free else 1
        stats = self._stats(idle=self.instances - busy, busy=busy)
        lane = self.lane
        if lane is None or not lane.calls:
            return stats
        return replace(stats, calls=stats.calls + lane.calls,
                       last_ns=lane.last_ns or stats.last_ns)

    def retire(self) -> None:
        self.retired = True
        self.bind_lane()
        self._shutdown_executor()
        # An in-flight call closes the warm instance itself when it finishes.
        try:
            self.gate.free.pop()
        except IndexError:
            return
        try:
            self._close_warm()
        finally:
            self._give_back()

    def _close_warm(self) -> None:
        warm, self.warm = self.warm, None
        self.bind_lane()
        if warm is not None:
            self.instances -= 1
            warm.close()
        self.closed = True
