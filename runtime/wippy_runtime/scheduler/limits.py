"""Execution limits and interruption: `limits.max_execution_ms` and `Runtime.interrupt()`.

Mechanism, and why:

* **WASM** uses wasmtime's epoch interruption. Every Store gets an epoch deadline of one tick
  and an *epoch-deadline callback* (C API `wasmtime_store_epoch_deadline_callback`). The engine
  epoch only moves when something asks for it: `interrupt()`, or the ticker thread that runs
  (every `TICK_S`) only while a call with a `max_execution_ms` limit is in flight. When the
  epoch passes a running store's deadline wasmtime calls our callback, which either traps the
  call (interrupted / over its limit) or grants one more tick. So the unlimited inline fast
  path does no extra work per call: an idle store pays one callback on its first call after a
  tick, nothing otherwise. We do *not* set a store's deadline from another thread (compiled
  code caches the deadline and only re-reads it once the epoch passes the cached value), and
  a far deadline could not be reached by incrementing the epoch: the callback is what lets one
  engine-wide tick stop only the stores that should stop.
* **Lua** uses an instruction-count debug hook (`debug.sethook(fn, "", HOOK_COUNT)`, installed
  by the host through a private reference the sandbox prelude keeps). The hook calls
  `ExecutionGuard`-backed checks; an interrupt or an expired deadline raises a CallError from
  inside the running Lua code. A hook cannot be installed on a running Lua state from another
  thread through lupa (its runtime lock is held), so it is installed up front; the price is
  Lua's per-instruction hook bookkeeping (measured in bench/bench_scheduler.py).
* Interrupts are *generations*: `interrupt()` bumps `generation`; a Lua execution remembers the
  generation it started in and stops when it changes. WASM stores cannot remember that on the
  fast path, so `interrupt()` marks the stores that are busy right now (pools know which) and
  the callback traps only a marked store that is still busy.
* **One execution, one budget.** `max_execution_ms` is wall-clock for the whole execution, so
  the running `Execution` (entry, interrupt generation, deadline) rides in the context variable
  `CURRENT`, which every worker job copies. An execution started inside another (a nested
  `funcs.call`, a queued job, a process spawned by it) inherits the *earlier* deadline and the
  *older* generation: an interrupt or an expired budget reaches the nested work too, including
  a job that was still queued when the interrupt came (it starts already canceled). Waits
  consult it: the dispatcher loop (sleeps, channel waits, parked calls) and pool slot queues
  wake in slices and fail with TIMEOUT/CANCELED. The epoch callback runs on the thread that
  runs the store, so it also reads `CURRENT`: an unlimited WASM entry called from a limited
  Lua execution stops when the caller's budget ends. The ticker runs while any execution with
  a deadline is in flight, and while any worker job of one runs: a nested call on a worker
  (`funcs.async`, a hop) can outlive its caller (which returned, or timed out waiting), and
  without ticks its store would never see the callback again and spin on, holding a worker.
* Instantiation (a module's start function, a component's) runs through `instantiating()`,
  under the entry's limit and reachable by `interrupt()`.
"""

from __future__ import annotations

import contextvars
import ctypes
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import wasmtime

from .. import wasmtime_private as wp
from ..errors import CANCELED, TIMEOUT, CallError

TICK_S = 0.01
HOOK_COUNT = 1000
INTERRUPTED_TAG = "wippy: interrupted"
TIMEOUT_TAG = "wippy: timeout"

_CALLBACK_T = wp.EPOCH_CALLBACK_T
_NO_FINALIZER = wp.EPOCH_FINALIZER_T(0)
_error_ptr = wp.new_error_ptr
#: how often a blocked wait (a pool slot, a dispatcher with nothing ready) re-checks its limits
WAIT_SLICE_S = 0.05


class ExecutionGuard:
    """Per-runtime interruption state shared by WASM stores and Lua states."""

    def __init__(self, engine: wasmtime.Engine) -> None:
        self.engine = engine
        self.generation = 0
        self._lock = threading.Lock()
        self._next_key = 1
        #: store key -> the limited execution running on it (a limited call, an instantiation)
        self._running: dict[int, Execution] = {}
        #: store key -> predicate "is this store still running the interrupted call?"
        self._interrupted: dict[int, Callable[[], bool]] = {}
        self._ticking = 0
        self._ticker: threading.Thread | None = None
        self._busy_probes: list[Callable[[], list[tuple[Any, Callable[[], bool]]]]] = []
        self._listeners: list[Callable[[], None]] = []
        self._callback = _CALLBACK_T(self._on_epoch)

    # -- stores ---------------------------------------------------------------------------
    def attach(self, store: wasmtime.Store) -> int:
        """Install the epoch callback on a new store; returns the store's key."""
        with self._lock:
            key = self._next_key
            self._next_key += 1
        wp.set_epoch_deadline_callback(store, self._callback, ctypes.c_void_p(key),
                                       _NO_FINALIZER)
        store.set_epoch_deadline(1)
        store.wippy_key = key  # type: ignore[attr-defined]
        return key

    def _on_epoch(self, _ctx: Any, data: Any, delta: Any, kind: Any) -> int:
        key = data or 0
        probe = self._interrupted.pop(key, None)
        if probe is not None and probe():
            return _error_ptr(INTERRUPTED_TAG)
        for ex in (self._running.get(key), CURRENT.get()):
            if ex is not None and ex.guard is self:
                if ex.generation != self.generation:
                    return _error_ptr(INTERRUPTED_TAG)
                if ex.deadline and time.monotonic_ns() >= ex.deadline:
                    return _error_ptr(f"{TIMEOUT_TAG} {ex.limit_ms}")
        delta[0] = 1
        kind[0] = 0
        return 0

    def limited(self, store: wasmtime.Store, fn: Callable[[tuple], Any],
                limit_ms: int, entry: str = "") -> Callable[[tuple], Any]:
        """Wrap an instance's call `fn(args)` so it traps after `limit_ms` (only limited
        entries pay); the call is an `Execution` (CURRENT) for what it calls through the
        `funcs` host."""
        key = store.wippy_key  # type: ignore[attr-defined]
        running = self._running

        def call(args: tuple) -> Any:
            ex = Execution(self, entry, limit_ms)
            running[key] = ex
            token = CURRENT.set(ex)
            self._tick_start()
            try:
                return fn(args)
            finally:
                CURRENT.reset(token)
                running.pop(key, None)
                self._tick_stop()

        return call

    @contextmanager
    def instantiating(self, store: wasmtime.Store, entry: str, limit_ms: int) -> Iterator[None]:
        """Instantiate under the entry's limit: a start function that loops traps with
        TIMEOUT after `limit_ms`, or CANCELED on `interrupt()` (limit or not)."""
        key = getattr(store, "wippy_key", None)
        ex = Execution(self, entry, limit_ms)
        if key is not None:
            self._running[key] = ex
        ticking = bool(ex.deadline)
        if ticking:
            self._tick_start()
        try:
            yield
        finally:
            if key is not None:
                self._running.pop(key, None)
            if ticking:
                self._tick_stop()

    @contextmanager
    def running(self, ex: Execution) -> Iterator[None]:
        """Make `ex` the current execution on this thread (what nested calls inherit and
        the epoch callback checks); the ticker runs while it has a deadline."""
        token = CURRENT.set(ex)
        ticking = bool(ex.deadline)
        if ticking:
            self._tick_start()
        try:
            yield
        finally:
            CURRENT.reset(token)
            if ticking:
                self._tick_stop()

    # -- the ticker -----------------------------------------------------------------------
    @contextmanager
    def ticking(self) -> Iterator[None]:
        """Keep the epoch moving while the block runs (stores running in it see the
        callback, which judges them by CURRENT)."""
        self._tick_start()
        try:
            yield
        finally:
            self._tick_stop()

    def _tick_start(self) -> None:
        with self._lock:
            self._ticking += 1
            if self._ticker is None:
                self._ticker = threading.Thread(target=self._tick_loop, name="wippy-epoch",
                                                daemon=True)
                self._ticker.start()

    def _tick_stop(self) -> None:
        with self._lock:
            self._ticking -= 1

    def _tick_loop(self) -> None:
        while True:
            time.sleep(TICK_S)
            with self._lock:
                if self._ticking <= 0:
                    self._ticker = None
                    return
            self.engine.increment_epoch()

    # -- interruption ---------------------------------------------------------------------
    def add_busy_probe(self, probe: Callable[[], list[tuple[Any, Callable[[], bool]]]]) -> None:
        """`probe()` lists (store, still_busy) for every WASM store running a call now."""
        self._busy_probes.append(probe)

    def add_interrupt_listener(self, fn: Callable[[], None]) -> None:
        """`fn()` runs after every interrupt (pools wake their queued waiters with it)."""
        self._listeners.append(fn)

    def interrupt(self) -> None:
        """Stop every execution running now (any thread), queued calls included; later
        calls are unaffected."""
        with self._lock:
            self.generation += 1
        for fn in list(self._listeners):
            fn()
        for probe in self._busy_probes:
            for store, still_busy in probe():
                key = getattr(store, "wippy_key", None)
                if key is not None:
                    self._interrupted[key] = still_busy
        self.engine.increment_epoch()
        # For a moment the epoch keeps ticking, so WASM that an interrupted execution starts
        # right now (a caller that was queued, a job picked up late) still sees the callback,
        # which traps it through CURRENT. A marked store whose call ended before it saw the
        # tick must not trap a later call: the marks are cleared then.
        self._tick_start()

        def settle() -> None:
            self._interrupted.clear()
            self._tick_stop()

        timer = threading.Timer(1.0, settle)
        timer.daemon = True
        timer.start()

    # -- Lua ------------------------------------------------------------------------------
    def lua_checker(self, entry: str, limit_ms: int = 0) -> Execution:
        return Execution(self, entry, limit_ms)


class Execution:
    """One execution's limits (started now): the interrupt generation it belongs to and its
    wall-clock deadline, both inherited from the execution it runs inside (CURRENT) when that
    one's are older or earlier. The Lua instruction hook, the dispatcher's waits, pool slot
    queues and the epoch callback all ask `error()`."""

    __slots__ = ("guard", "entry", "generation", "deadline", "limit_ms", "owner")

    def __init__(self, guard: ExecutionGuard, entry: str, limit_ms: int) -> None:
        self.guard = guard
        self.entry = entry
        self.generation = guard.generation
        self.limit_ms = limit_ms
        self.deadline = time.monotonic_ns() + limit_ms * 1_000_000 if limit_ms else 0
        #: whose limit the deadline is (an outer entry's, when inherited)
        self.owner = entry
        parent = CURRENT.get()
        if parent is not None and parent.guard is guard:
            if parent.generation < self.generation:
                self.generation = parent.generation
            if parent.deadline and (not self.deadline or parent.deadline < self.deadline):
                self.deadline, self.limit_ms = parent.deadline, parent.limit_ms
                self.owner = parent.owner

    def error(self) -> CallError | None:
        if self.guard.generation != self.generation:
            return CallError("interrupted", entry=self.entry or None, kind=CANCELED)
        if self.deadline and time.monotonic_ns() >= self.deadline:
            err = timeout_error(self.entry or self.owner, self.limit_ms)
            if self.owner and self.owner != self.entry:
                err = CallError(f"{err.message} of {self.owner}", entry=self.entry or None,
                                kind=TIMEOUT)
            return err
        return None

    def remaining_s(self) -> float | None:
        """Seconds left before the deadline (None: no deadline)."""
        if not self.deadline:
            return None
        return max(0.0, (self.deadline - time.monotonic_ns()) / 1e9)


#: kept for callers that name the hook's check by its old name
LuaCheck = Execution

#: the execution running in this context (thread, worker job, coroutine's thread)
CURRENT: contextvars.ContextVar[Execution | None] = contextvars.ContextVar("wippy_execution",
                                                                           default=None)


def check_current() -> None:
    """Raise the current execution's CANCELED/TIMEOUT error, if it has one (a wait calls
    this each time it wakes)."""
    ex = CURRENT.get()
    if ex is not None:
        err = ex.error()
        if err is not None:
            raise err


def wait_slice(default: float | None) -> float | None:
    """How long a blocking wait may sleep before re-checking the current execution."""
    ex = CURRENT.get()
    if ex is None:
        return default
    left = ex.remaining_s()
    cap = WAIT_SLICE_S if left is None else min(WAIT_SLICE_S, left + 0.001)
    return cap if default is None else min(default, cap)


def timeout_error(entry: str, limit_ms: int) -> CallError:
    return CallError(f"execution exceeded limits.max_execution_ms ({limit_ms} ms)",
                     entry=entry, kind=TIMEOUT)


def limit_error(entry: str, message: str) -> CallError | None:
    """The CallError for a trap our epoch callback caused, else None."""
    if TIMEOUT_TAG in message:
        tail = message.split(TIMEOUT_TAG, 1)[1].split()
        ms = int(tail[0]) if tail and tail[0].isdigit() else 0
        return timeout_error(entry, ms)
    if INTERRUPTED_TAG in message:
        return CallError("interrupted", entry=entry, kind=CANCELED)
    return None
