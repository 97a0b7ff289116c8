"""Instance pools: how many instances of an entry exist, who holds them, and their statistics.

One `Pool` per entry *generation*: replacing an entry builds a new pool and retires the old
one, which closes its instances once the calls still running on it have finished.

Calls run on the caller's thread or on the pool's worker threads (`executor`, see
scheduler/offload.py); the pool is thread-safe, and waiting for a free instance blocks only the
waiting thread (an offloaded call waits in the executor's queue while its coroutine is parked). A
re-entrant call (an entry that, through `funcs.call`, ends up calling itself while every
instance is held further up the same call chain) gets a transient overflow instance instead of
deadlocking.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ..errors import UNAVAILABLE, CallError
from .pool_config import INLINE, PoolPlan


class Instance(Protocol):
    def close(self) -> None: ...


@dataclass(frozen=True)
class PoolStats:
    """A snapshot of one pool, read by `%pools`, the CLI and the widgets."""

    entry: str
    generation: int
    type: str
    max_instances: int
    instances: int
    idle: int
    busy: int
    queued: int
    calls: int
    errors: int
    replaced: int
    total_ns: int
    last_ns: int
    retired: bool
    #: 95th percentile of the last `LATENCY_WINDOW` call durations (0 before any call)
    p95_ns: int = 0

    @property
    def mean_us(self) -> float:
        return self.total_ns / self.calls / 1000 if self.calls else 0.0

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["mean_us"] = self.mean_us
        return d


#: how many recent call durations a pool keeps for its percentiles
LATENCY_WINDOW = 256


class Pool:
    def __init__(self, entry_id: str, plan: PoolPlan, factory: Callable[[], Any],
                 generation: int = 1) -> None:
        self.entry_id = entry_id
        self.plan = plan
        self.generation = generation
        self._factory = factory
        self._cond = threading.Condition(threading.Lock())
        self._idle: list[tuple[Any, float]] = []
        self._holders: dict[int, int] = {}
        self._overflow: set[int] = set()
        #: instances handed out right now (read by Runtime.interrupt to find running stores)
        self.in_use: dict[int, Any] = {}
        self.instances = 0
        self.busy = 0
        self.queued = 0
        self.calls = 0
        self.errors = 0
        self.replaced = 0
        self.total_ns = 0
        self.last_ns = 0
        #: recent call durations (ns), bounded: percentiles for the inspectors
        self.latencies: deque[int] = deque(maxlen=LATENCY_WINDOW)
        self.retired = False
        self.closed = False
        #: worker threads for calls that hop off the dispatcher (scheduler/offload.py)
        self.executor: Any = None
        # The inline pool's mutex, also taken by the targets' lock-free-looking fast paths.
        self.inline_lock = threading.Lock() if plan.type == INLINE else None

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        """Create the instances the plan starts with (static pools, warm adaptive pools)."""
        for _ in range(self.plan.prestart):
            inst = self._factory()
            with self._cond:
                self.instances += 1
                self._idle.append((inst, time.monotonic()))

    def retire(self) -> None:
        """Stop handing out instances; close everything once in-flight calls drain."""
        with self._cond:
            self.retired = True
            idle, self._idle = self._idle, []
            self.instances -= len(idle)
            drained = self.busy == 0
            self._cond.notify_all()
        for inst, _ in idle:
            _close(inst)
        if self.executor is not None:
            self.executor.shutdown(wait=False)
        if drained:
            self.closed = True

    # -- acquire / release ---------------------------------------------------------------
    def acquire(self, timeout: float | None = None) -> Any:
        me = threading.get_ident()
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
                    self._cond.wait(remaining)
                finally:
                    self.queued -= 1
            self.busy += 1
            self._holders[me] = self._holders.get(me, 0) + 1
        if inst is None:
            try:
                inst = self._factory()
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
        """Give an instance back; `discard` drops it (it trapped) so the next call gets a fresh one."""
        me = threading.get_ident()
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
            _close(inst)

    def record(self, elapsed_ns: int, failed: bool) -> None:
        self.calls += 1
        self.total_ns += elapsed_ns
        self.last_ns = elapsed_ns
        self.latencies.append(elapsed_ns)
        if failed:
            self.errors += 1

    def stats(self) -> PoolStats:
        with self._cond:
            return PoolStats(
                entry=self.entry_id, generation=self.generation, type=self.plan.type,
                max_instances=self.plan.max_instances, instances=self.instances,
                idle=(self.instances - self.busy) if self.plan.type == INLINE else len(self._idle),
                busy=(1 if self.inline_lock.locked() else 0) if self.inline_lock else self.busy, queued=self.queued, calls=self.calls,
                errors=self.errors, replaced=self.replaced, total_ns=self.total_ns,
                last_ns=self.last_ns, retired=self.retired, p95_ns=_p95(self.latencies),
            )

    # -- internals -----------------------------------------------------------------------
    def _release_holder(self, me: int) -> None:
        left = self._holders.get(me, 0) - 1
        if left > 0:
            self._holders[me] = left
        else:
            self._holders.pop(me, None)

    def _expire_idle(self) -> None:
        timeout = self.plan.idle_timeout_s
        if not timeout or not self._idle:
            return
        now = time.monotonic()
        keep = [(i, t) for i, t in self._idle if now - t < timeout]
        expired = [i for i, t in self._idle if now - t >= timeout]
        if expired:
            self._idle = keep
            self.instances -= len(expired)
            for inst in expired:
                _close(inst)


def _close(inst: Any) -> None:
    close = getattr(inst, "close", None)
    if close is not None:
        close()


def _p95(samples: deque[int]) -> int:
    """The nearest-rank 95th percentile of `samples` (0 when empty)."""
    if not samples:
        return 0
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, -(-95 * len(ordered) // 100) - 1)]
