"""What every entry kind provides, and the call path shared by all callable entries.

A kind handler turns an `Entry` into a *built* object: a `Target` for callable entries
(functions), or a plain resource (a library's source, a directory) for the others. Targets own a
`Pool` of instances; `Target.invoke` is the hot path of every `funcs.call`, so it is written
once here, flat, with the inline pool's warm instance handled without touching the pool's
condition variable.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from time import perf_counter_ns
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import CallError
from ..registry import Entry
from ..scheduler.offload import NEVER, WHEN_BUSY
from ..scheduler.pools import Pool

if TYPE_CHECKING:
    from ..runtime import Runtime

_get_ident = threading.get_ident


class BuildContext(Protocol):
    """What a kind handler may use from the runtime while building an entry."""

    runtime: Runtime
    generation: int

    def resolve(self, entry: Entry, ref: str, expected_kind: str | None = None) -> Any: ...


class InstanceBase:
    """An instance in a pool: `fn(*args)` runs the entry's method on it."""

    fn: Any

    def close(self) -> None:
        pass


@dataclass
class EntryInfo:
    """How an entry is described to people (`wippy entries`, `%entries`, inspection)."""

    id: str
    kind: str
    method: str | None = None
    signature: str | None = None
    pool: str | None = None
    imports: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)


class Target:
    """A callable entry generation: a pool of instances plus the error mapping of its kind."""

    kind = "?"
    #: when a call from a Lua coroutine runs on a worker thread (scheduler/offload.py);
    #: kinds refine it in `start()` (WASM with imports: ALWAYS)
    offload = WHEN_BUSY

    def __init__(self, entry: Entry, pool: Pool) -> None:
        self.entry = entry
        self.entry_id = entry.id
        self.pool = pool
        self._inline_lock = pool.inline_lock
        self._warm: Any = None
        self._owner = 0

    # -- what kinds implement ------------------------------------------------------------
    def new_instance(self) -> InstanceBase:
        raise NotImplementedError

    def map_error(self, exc: BaseException) -> tuple[CallError, bool]:
        """Turn an exception from an instance into (CallError, discard_instance)."""
        if isinstance(exc, CallError):
            return exc, False
        return CallError(f"{type(exc).__name__}: {exc}", entry=self.entry_id), True

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry_id, self.entry.kind)

    # -- the call path -------------------------------------------------------------------
    def invoke(self, args: tuple) -> Any:
        """Run the entry's method with `args` (plain or Lua values); return a plain value or
        raise CallError naming the entry. Inline targets replace this with `_inline_invoke`."""
        return self._invoke_pooled(args)

    def _make_inline_invoke(self) -> Any:
        """The inline pool's call path as a closure (locals instead of attribute lookups).

        Busy is derived from the lock for inline pools, so the fast path only touches the
        call counters. `_owner` is set on every acquisition and never cleared: when the lock
        is taken and `_owner` is this thread, the call is re-entrant (an entry calling itself
        through `funcs.call`) and gets a transient instance instead of deadlocking; a stale
        `_owner` can at worst cost one transient instance, never a wrong result.
        """
        lock = self._inline_lock
        assert lock is not None, "only inline pools take this path"
        pool = self.pool
        acquire, release = lock.acquire, lock.release
        target = self
        clock, ident = perf_counter_ns, _get_ident  # closure cells: cheaper than globals
        record_latency = pool.latencies.append

        def invoke(args: tuple) -> Any:
            if not acquire(False):
                return target._invoke_contended(args)
            try:
                target._owner = ident()
                inst = target._warm
                if inst is None:
                    inst = target._ensure_warm()
                t0 = clock()
                try:
                    value = inst.fn(*args)
                except BaseException as exc:
                    target._inline_failure(inst, exc, clock() - t0)
                    raise  # _inline_failure always raises; this keeps linters honest
                elapsed = clock() - t0
                pool.calls += 1
                pool.total_ns += elapsed
                pool.last_ns = elapsed
                record_latency(elapsed)
                return value
            finally:
                if pool.retired:
                    target._close_warm()
                release()

        return invoke

    def _invoke_contended(self, args: tuple) -> Any:
        if self._owner == _get_ident():
            return self._invoke_pooled(args, transient=True)
        pool = self.pool
        lock = self._inline_lock
        assert lock is not None, "only inline pools take this path"
        pool.queued += 1
        try:
            lock.acquire()
        finally:
            pool.queued -= 1
        lock.release()
        return self.invoke(args)

    def _ensure_warm(self) -> Any:
        inst = self._warm = self.new_instance()
        self.pool.instances += 1
        return inst

    def _inline_failure(self, inst: Any, exc: BaseException, elapsed: int) -> None:
        pool = self.pool
        pool.record(elapsed, True)
        err, discard = self.map_error(exc)
        if discard:
            self._warm = None
            pool.instances -= 1
            pool.replaced += 1
            inst.close()
        raise err from None

    def _invoke_pooled(self, args: tuple, transient: bool = False) -> Any:
        pool = self.pool
        inst = self.new_instance() if transient else pool.acquire()
        discard = False
        t0 = perf_counter_ns()
        try:
            value = inst.fn(*args)
        except BaseException as exc:
            pool.record(perf_counter_ns() - t0, True)
            err, discard = self.map_error(exc)
            raise err from None
        finally:
            if transient:
                inst.close()
            else:
                pool.release(inst, discard=discard)
        pool.record(perf_counter_ns() - t0, False)
        return value

    def start(self) -> None:
        """Create the instances the pool starts with; an instantiation error fails the load."""
        if self._inline_lock is not None:
            if self.offload == WHEN_BUSY and self.kind != "lua":
                self.offload = NEVER  # inline WASM that cannot block stays on the caller's path
            self._warm = self.new_instance()
            self.pool.instances = 1
            self.invoke = self._make_inline_invoke()  # type: ignore[method-assign]
        else:
            self.pool.start()

    def retire(self) -> None:
        """Called when a newer generation replaces this one (or the entry is removed)."""
        self.pool.retire()
        lock = self._inline_lock
        # An in-flight inline call closes the warm instance itself when it finishes.
        if lock is not None and lock.acquire(False):
            try:
                self._close_warm()
            finally:
                lock.release()

    def _close_warm(self) -> None:
        warm, self._warm = self._warm, None
        if warm is not None:
            self.pool.instances -= 1
            warm.close()
        self.pool.closed = True


class Resource:
    """A non-callable built entry (a library's compiled source, a directory, ...)."""

    kind = "?"

    def __init__(self, entry: Entry) -> None:
        self.entry = entry

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry.id, self.entry.kind)

    def retire(self) -> None:
        pass
