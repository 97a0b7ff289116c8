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
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Callable
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


class ExecutionGuard:
    """Per-runtime interruption state shared by WASM stores and Lua states."""

    def __init__(self, engine: wasmtime.Engine) -> None:
        self.engine = engine
        self.generation = 0
        self._lock = threading.Lock()
        self._next_key = 1
        #: store key -> deadline (monotonic ns) and limit (ms) of the limited call running on it
        self._deadlines: dict[int, tuple[int, int]] = {}
        #: store key -> predicate "is this store still running the interrupted call?"
        self._interrupted: dict[int, Callable[[], bool]] = {}
        self._ticking = 0
        self._ticker: threading.Thread | None = None
        self._busy_probes: list[Callable[[], list[tuple[Any, Callable[[], bool]]]]] = []
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
        limit = self._deadlines.get(key)
        if limit is not None and time.monotonic_ns() >= limit[0]:
            return _error_ptr(f"{TIMEOUT_TAG} {limit[1]}")
        delta[0] = 1
        kind[0] = 0
        return 0

    def limited(self, store: wasmtime.Store, fn: Callable[[tuple], Any],
                limit_ms: int) -> Callable[[tuple], Any]:
        """Wrap an instance's call `fn(args)` so it traps after `limit_ms` (only limited
        entries pay)."""
        key = store.wippy_key  # type: ignore[attr-defined]
        deadlines = self._deadlines

        def call(args: tuple) -> Any:
            deadlines[key] = (time.monotonic_ns() + limit_ms * 1_000_000, limit_ms)
            self._tick_start()
            try:
                return fn(args)
            finally:
                deadlines.pop(key, None)
                self._tick_stop()

        return call

    # -- the ticker -----------------------------------------------------------------------
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

    def interrupt(self) -> None:
        """Stop every execution running now (any thread); later calls are unaffected."""
        with self._lock:
            self.generation += 1
        for probe in self._busy_probes:
            for store, still_busy in probe():
                key = getattr(store, "wippy_key", None)
                if key is not None:
                    self._interrupted[key] = still_busy
        self.engine.increment_epoch()
        # A marked store whose call ended before it saw the tick must not trap a later call.
        threading.Timer(1.0, self._interrupted.clear).start()

    # -- Lua ------------------------------------------------------------------------------
    def lua_checker(self, entry: str, limit_ms: int = 0) -> LuaCheck:
        return LuaCheck(self, entry, limit_ms)


class LuaCheck:
    """The instruction hook's test for one Lua execution (started now)."""

    __slots__ = ("guard", "entry", "generation", "deadline", "limit_ms")

    def __init__(self, guard: ExecutionGuard, entry: str, limit_ms: int) -> None:
        self.guard = guard
        self.entry = entry
        self.generation = guard.generation
        self.limit_ms = limit_ms
        self.deadline = time.monotonic_ns() + limit_ms * 1_000_000 if limit_ms else 0

    def error(self) -> CallError | None:
        if self.guard.generation != self.generation:
            return CallError("interrupted", entry=self.entry, kind=CANCELED)
        if self.deadline and time.monotonic_ns() >= self.deadline:
            return timeout_error(self.entry, self.limit_ms)
        return None


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
