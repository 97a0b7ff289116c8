"""What every pool is: the instances of one entry generation, the call path onto them, and
their statistics.

A pool is built with everything it needs (`factory` makes an instance, `map_error` turns an
instance's exception into a CallError and says whether the instance is spoiled); nothing is
patched in afterwards. `invoke(args)` is the pool's call path: it picks an instance, runs
`instance.fn(args)` and returns the plain value or raises CallError naming the entry.

The one documented hook is `observe(wrap)`: the call path becomes `wrap(call_path)` until
`observe(None)` restores it (tracing uses it; it costs nothing while unused).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from time import perf_counter_ns
from typing import Any, ClassVar, Protocol

from ...errors import CallError
from ..pool_config import PoolPlan


class Instance(Protocol):
    """An instance in a pool: `fn(args)` runs the entry's method on it (`args`: a tuple
    of plain values), returning a plain value."""

    fn: Callable[..., Any]

    def close(self) -> None: ...


Factory = Callable[[], Any]
#: exception -> (the CallError to raise, whether the instance must be discarded)
ErrorMapper = Callable[[BaseException], tuple[CallError, bool]]
#: (instance, still_busy) for each instance running a call now (Runtime.interrupt)
BusyStores = list[tuple[Any, Callable[[], bool]]]


#: how many recent call durations a pool keeps for its percentiles
LATENCY_WINDOW = 256


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
    #: 95th percentile of the last `LATENCY_WINDOW` timed call durations (0 before any)
    p95_ns: int = 0

    @property
    def mean_us(self) -> float:
        return self.total_ns / self.calls / 1000 if self.calls else 0.0

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["mean_us"] = self.mean_us
        return d


class Pool:
    """Base of the four pool types (inline, lazy, static, adaptive)."""

    type: ClassVar[str] = "?"

    def __init__(self, entry_id: str, plan: PoolPlan, factory: Factory,
                 map_error: ErrorMapper, generation: int = 1) -> None:
        #: guards the counters other threads change (`queued` from scheduler/offload.py)
        self.mutex = threading.Lock()
        self.entry_id = entry_id
        self.plan = plan
        self.generation = generation
        self.factory = factory
        self.map_error = map_error
        self.instances = 0
        self.queued = 0
        self.calls = 0
        self.errors = 0
        self.replaced = 0
        self.total_ns = 0
        self.last_ns = 0
        self.retired = False
        self.closed = False
        #: calls are routed through an `observe` wrapper (compiled lanes step aside then)
        self.observed = False
        #: recent call durations (ns), bounded: percentiles for the inspectors
        self.latencies: deque[int] = deque(maxlen=LATENCY_WINDOW)
        #: worker threads for calls that hop off the dispatcher (scheduler/offload.py)
        self.executor: Any = None
        self._call_path = self._make_invoke()
        #: the call path (possibly wrapped by `observe`)
        self.invoke: Callable[[tuple], Any] = self._call_path

    # -- what pool types implement --------------------------------------------------------
    def _make_invoke(self) -> Callable[[tuple], Any]:
        raise NotImplementedError

    def start(self) -> None:
        """Create the instances this pool type starts with; an error fails the load."""

    def ensure_instance(self) -> None:
        """Make sure one instance exists now (so a bad entry fails at load, not first call)."""

    def held_here(self) -> bool:
        """Does this thread hold an instance of this pool right now (a re-entrant call)?"""
        raise NotImplementedError

    def busy_stores(self) -> BusyStores:
        raise NotImplementedError

    def stats(self) -> PoolStats:
        raise NotImplementedError

    def retire(self) -> None:
        """Stop handing out instances; close everything once in-flight calls drain."""
        raise NotImplementedError

    # -- shared ---------------------------------------------------------------------------
    def observe(self, wrap: Callable[[Callable[[tuple], Any]], Callable[[tuple], Any]] | None,
                ) -> None:
        """The tracing hook: route calls through `wrap(call_path)`, or restore it (None)."""
        self.invoke = self._call_path if wrap is None else wrap(self._call_path)
        self.observed = wrap is not None

    def invoke_transient(self, args: tuple) -> Any:
        """Run on a fresh instance closed afterwards: a re-entrant call that must not wait
        for an instance held further up its own chain, or a process run (one per PID)."""
        inst = self.factory()
        t0 = perf_counter_ns()
        try:
            value = inst.fn(args)
        except BaseException as exc:
            self.record(perf_counter_ns() - t0, True)
            err, _ = self.map_error(exc)
            raise err from None
        finally:
            inst.close()
        self.record(perf_counter_ns() - t0, False)
        return value

    def record(self, elapsed_ns: int, failed: bool) -> None:
        self.calls += 1
        self.total_ns += elapsed_ns
        self.last_ns = elapsed_ns
        self.latencies.append(elapsed_ns)
        if failed:
            self.errors += 1

    def _stats(self, *, idle: int, busy: int) -> PoolStats:
        return PoolStats(
            entry=self.entry_id, generation=self.generation, type=self.type,
            max_instances=self.plan.max_instances, instances=self.instances, idle=idle,
            busy=busy, queued=self.queued, calls=self.calls, errors=self.errors,
            replaced=self.replaced, total_ns=self.total_ns, last_ns=self.last_ns,
            retired=self.retired, p95_ns=_p95(self.latencies))

    def _shutdown_executor(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=False)


def _p95(samples: deque[int]) -> int:
    """The nearest-rank 95th percentile of `samples` (0 when empty)."""
    if not samples:
        return 0
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, -(-95 * len(ordered) // 100) - 1)]


def close_instance(inst: Any) -> None:
    close = getattr(inst, "close", None)
    if close is not None:
        close()


get_ident = threading.get_ident
