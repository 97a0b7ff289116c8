"""Pools of interchangeable instances handed out per call: what lazy, static and adaptive
pools share.

Calls run on the caller's thread or on the pool's worker threads (`executor`, see
scheduler/offload.py); the pool is thread-safe, and waiting for a free instance blocks only the
waiting thread (an offloaded call waits in the executor's queue while its coroutine is parked).
A re-entrant call (an entry that, through `funcs.call`, ends up calling itself while every
instance is held further up the same call chain) gets a transient overflow instance instead of
deadlocking. The pool types differ in how they start and whether idle instances expire.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from time import perf_counter_ns
from typing import Any

from ...errors import UNAVAILABLE, CallError
from ..limits import check_current, wait_slice
from ..pool_config import PoolPlan
from .base import BusyStores, ErrorMapper, Factory, Pool, PoolStats, close_instance, get_ident


class SlotPool(Pool):
    """Up to `plan.max_instances` instances, each held by one call at a time."""

    #: idle instances older than this are closed (None: they never expire)
    idle_timeout_s: float | None = None

    def __init__(self, entry_id: str, plan: PoolPlan, factory: Factory,
                 map_error: ErrorMapper, generation: int = 1) -> None:
        self._idle: list[tuple[Any, float]] = []
        self._holders: dict[int, int] = {}
        self._overflow: set[int] = set()
        #: instances handed out right now (read by Runtime.interrupt to find running stores)
        self.in_use: dict[int, Any] = {}
        self.busy = 0
        super().__init__(entry_id, plan, factory, map_error, generation)
        self._cond = threading.Condition(self.mutex)
        self.idle_timeout_s = plan.idle_timeout_s

    # -- lifecycle -------------------------------------------------------------------------
    def _prestart(self, count: int) -> None:
        for _ in range(count):
            inst = self.factory()
            with self._cond:
                self.instances += 1
                self._idle.append((inst, time.monotonic()))

    def ensure_instance(self) -> None:
        if self.instances == 0:
            self.release(self.acquire())

    def retire(self) -> None:
        with self._cond:
            self.retired = True
            idle, self._idle = self._idle, []
            self.instances -= len(idle)
            drained = self.busy == 0
            self._cond.notify_all()
        for inst, _ in idle:
            close_instance(inst)
        self._shutdown_executor()
        if drained:
            self.closed = True

    # -- the call path ---------------------------------------------------------------------
    def _make_invoke(self) -> Callable[[tuple], Any]:
        return self._invoke

    def _invoke(self, args: tuple) -> Any:
        inst = self.acquire()
        discard = False
        t0 = perf_counter_ns()
        try:
            value = inst.fn(args)
        except BaseException as exc:
            self.record(perf_counter_ns() - t0, True)
            err, discard = self.map_error(exc)
            raise err from None
        finally:
            self.release(inst, discard=discard)
        elapsed = perf_counter_ns() - t0
        self.calls += 1
        self.total_ns += elapsed
        self.last_ns = elapsed
        self.latencies.append(elapsed)
        return value

    # -- acquire / release -----------------------------------------------------------------
    def acquire(self, timeout: float | None = None) -> Any:
        me = get_ident()
        deadline = None if timeout is None else time.monotonic() + timeout
        transient = False
        with self._cond:
            self._expire_idle()
            while True:
                if self._idle:
                    inst, _ = self._idle.pop()
                    break
                if self.instances < self.plan.max_instances or self.retired:
                    inst = None  # create outside the lock
                    self.instances += 1
                    break
                if self._holders.get(me):
                    inst = None
                    self.instances += 1
                    transient = True
                    break
                if self.plan.queue_size and self.queued >= self.plan.queue_size:
                    raise CallError(f"pool queue is full ({self.plan.queue_size} waiting)",
                                    entry=self.entry_id, kind=UNAVAILABLE)
                self.queued += 1
                try:
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        raise CallError("timed out waiting for a free instance",
                                        entry=self.entry_id, kind=UNAVAILABLE)
                    # a queued caller still obeys its execution's deadline and interrupt
                    check_current()
                    self._cond.wait(wait_slice(remaining))
                    check_current()
                finally:
                    self.queued -= 1
            self.busy += 1
            self._holders[me] = self._holders.get(me, 0) + 1
        if inst is None:
            try:
                inst = self.factory()
            except BaseException:
                with self._cond:
                    self.instances -= 1
                    self.busy -= 1
                    self._release_holder(me)
                    self._cond.notify()
                raise
            if transient:
                with self._cond:
                    self._overflow.add(id(inst))
        self.in_use[id(inst)] = inst
        return inst

    def release(self, inst: Any, *, discard: bool = False) -> None:
        """Give an instance back; `discard` drops it (it trapped) so the next call gets a
        fresh one."""
        me = get_ident()
        close_it = False
        self.in_use.pop(id(inst), None)
        with self._cond:
            self.busy -= 1
            self._release_holder(me)
            if id(inst) in self._overflow:
                self._overflow.discard(id(inst))
                close_it = True
            elif discard:
                self.replaced += 1
                close_it = True
            elif self.retired:
                close_it = True
            else:
                self._idle.append((inst, time.monotonic()))
            if close_it:
                self.instances -= 1
            if self.retired and self.busy == 0:
                self.closed = True
            self._cond.notify()
        if close_it:
            close_instance(inst)

    def held_here(self) -> bool:
        return bool(self._holders.get(get_ident()))

    def busy_stores(self) -> BusyStores:
        out: BusyStores = []
        for inst in list(self.in_use.values()):
            store = getattr(inst, "store", None)
            if store is not None:
                def still_in_use(i: Any = inst) -> bool:
                    return id(i) in self.in_use

                out.append((store, still_in_use))
        return out

    def idle_instances(self) -> list[Any]:
        with self._cond:
            return [inst for inst, _ in self._idle]

    def stats(self) -> PoolStats:
        with self._cond:
            return self._stats(idle=len(self._idle), busy=self.busy)

    # -- internals -------------------------------------------------------------------------
    def _release_holder(self, me: int) -> None:
        left = self._holders.get(me, 0) - 1
        if left > 0:
            self._holders[me] = left
        else:
            self._holders.pop(me, None)

    def _expire_idle(self) -> None:
        timeout = self.idle_timeout_s
        if not timeout or not self._idle:
            return
        now = time.monotonic()
        keep = [(i, t) for i, t in self._idle if now - t < timeout]
        expired = [i for i, t in self._idle if now - t >= timeout]
        if expired:
            self._idle = keep
            self.instances -= len(expired)
            for inst in expired:
                close_instance(inst)
