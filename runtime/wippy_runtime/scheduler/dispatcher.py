"""The dispatcher: runs a Lua execution as coroutines and resumes them when what they wait for
(a timer, a channel, a future, a call on a worker thread) completes.

Why this shape:

* A Python callback cannot yield the Lua coroutine that called it (a lupa limitation). So every
  operation that may block is a Python primitive that either completes at once (returns its
  results: no yield, no extra cost) or registers a wait for the *current task* and returns the
  `PENDING` sentinel; a Lua-side wrapper (`await`, bound with the state's other globals by lua/globals.py) then yields, and the dispatcher
  resumes the coroutine with `thread.send(results)` when the wait completes.
* One dispatcher drives one top-level Lua execution (`LuaInstance.call`, hence `Runtime.call`,
  a `funcs.call` into a Lua entry, a kernel cell) on the thread that started it, and runs until
  the root coroutine returns; `coroutine.spawn` children share it. Lua states are not
  thread-safe, so the Lua side never leaves that thread.
* WASM never runs on the dispatcher's stack when it could take long: calls to non-inline pools
  and `funcs.async` run on worker threads (one OS thread per in-flight call; wasmtime releases
  the GIL while running, so threads give real parallelism) and post their completion back with
  `post()`. We chose threads over wasmtime's async C API (fibers polled through raw ctypes,
  measured) because the thread path reuses the fast synchronous call code unchanged, is
  interruptible through the same epoch mechanism, and its cost (a thread per in-flight call)
  is bounded by the pool sizes; greenlets inside wasm abort the process and are never used.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from ..errors import CANCELED, INVALID, TIMEOUT, CallError
from .limits import CURRENT
from .processes import take_started_process

if TYPE_CHECKING:
    LuaState = Any  # a lua.state.LuaState (lua/ builds on this module, not the reverse)


class _Pending:
    """The sentinel a primitive returns when the caller must yield (a Python object: Lua
    compares it by identity, and it comes back to Python as the same object)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "PENDING"


PENDING = _Pending()

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def executor() -> ThreadPoolExecutor:
    """Threads for `funcs.async`: one per in-flight call (bounded)."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=256, thread_name_prefix="wippy-async")
        return _executor


class Task:
    """One coroutine run by a dispatcher."""

    __slots__ = ("thread", "done", "result", "name")

    def __init__(self, thread: Any, name: str) -> None:
        self.thread = thread
        self.done = False
        self.result: tuple[Any, ...] | None = None
        self.name = name


class Dispatcher:
    """Runs one Lua execution (root coroutine plus spawned ones) to completion."""

    def __init__(self, state: LuaState, entry: str) -> None:
        self.state = state
        self.entry = entry
        self.glue = state.async_glue
        self.ready: deque[tuple[Task, tuple[Any, ...]]] = deque()
        self.timers: list[list[Any]] = []  # [deadline_ns, seq, fn]: fn is None once cancelled
        self._seq = itertools.count()
        self._external: deque[Callable[[], None]] = deque()
        #: deliveries that wait until no coroutine is ready (`post_idle`)
        self._idle: deque[Callable[[], None]] = deque()
        self._wake = threading.Event()
        self.current: Task | None = None
        #: tasks started and not finished (the running one included)
        self.live = 0
        self.guard = state.guard
        self.generation = self.guard.generation if self.guard is not None else 0
        #: calls running on worker threads for this execution (scheduler/offload.py)
        self.inflight = 0
        #: the process this execution is: a spawned one, or a PID made when it first asks
        self.process: Any = take_started_process()
        #: run when the execution ends (a function's PID is dropped)
        self.on_finish: list[Callable[[], None]] = []
        #: set by stop(): the execution ends with this error at the next scheduling point
        self.stopped: CallError | None = None
        #: why the execution failed (an exception or the root's Lua error), once it has ended
        self.failure: Any = None
        if self.process is not None:
            self.process.attach(self)

    def busy(self) -> bool:
        """Is there other work a call on this thread would hold up? (calls.Calls.hops)"""
        return bool(self.ready or self.timers or self.inflight or self._external
                    or self._idle or self.parked())

    def parked(self) -> bool:
        """Are coroutines other than the running one waiting (on channels, futures...)?"""
        return self.live > 1

    # -- scheduling primitives (dispatcher thread) ---------------------------------------
    def spawn(self, fn: Any, args: tuple[Any, ...] = (), name: str = "coroutine") -> Task:
        thread = self.glue[b"body"].coroutine(fn, *args)
        task = Task(thread, name)
        self.live += 1
        self.ready.append((task, ()))
        return task

    def resume(self, task: Task, values: tuple[Any, ...]) -> None:
        self.ready.append((task, values))

    def fail(self, task: Task, exc: BaseException) -> None:
        self.ready.append((task, (PENDING, exc)))

    def call_later(self, delay_ns: int, fn: Callable[[], None]) -> list[Any]:
        item = [time.monotonic_ns() + delay_ns, next(self._seq), fn]
        heapq.heappush(self.timers, item)
        return item

    def cancel_timer(self, item: list[Any]) -> None:
        item[2] = _noop

    def stop(self, reason: CallError) -> None:
        """(Dispatcher thread) End the whole execution with `reason` as soon as the running
        coroutine yields: process.terminate, or a failed link without trap_links."""
        self.stopped = reason
        self._wake.set()

    def post(self, fn: Callable[[], None]) -> None:
        """From any thread: run `fn` on the dispatcher thread soon."""
        self._external.append(fn)
        self._wake.set()

    def post_idle(self, fn: Callable[[], None]) -> None:
        """From any thread: run `fn` on the dispatcher thread once no coroutine is ready,
        one such delivery per quiet point. A workflow takes its signals this way: each one
        lands after the previous one has been handled as far as it goes (Temporal's
        workflow tasks), so what a signal starts never races the next signal."""
        self._idle.append(fn)
        self._wake.set()

    # -- the loop ------------------------------------------------------------------------
    def run(self, fn: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """Run `fn(*args)` as the root coroutine; return its pcall-style results
        `(ok, values...)`, or raise CallError (CANCELED on interrupt)."""
        state = self.state
        outer = state.dispatcher
        state.dispatcher = self
        state.activate()  # Python callbacks from Lua build values in this state
        ex = state.check
        token = CURRENT.set(ex) if ex is not None else None
        ticking = ex is not None and bool(ex.deadline) and self.guard is not None
        if ticking:
            self.guard._tick_start()  # an unlimited WASM callee still stops at our deadline
        try:
            root = self.spawn(fn, args, name="main")
            while not root.done:
                if self.guard is not None and self.guard.generation != self.generation:
                    raise CallError("interrupted", entry=self.entry, kind=CANCELED)
                if ex is not None:
                    err = ex.error()  # wall-clock: parked sleeps, waits and calls count
                    if err is not None:
                        raise err
                while self._external:
                    self._external.popleft()()
                if self.stopped is not None:
                    raise self.stopped
                now = time.monotonic_ns()
                while self.timers and self.timers[0][0] <= now:
                    heapq.heappop(self.timers)[2]()
                if self.ready:
                    task, values = self.ready.popleft()
                    self._step(task, values)
                    continue
                if root.done:
                    break
                if self._idle:
                    self._idle.popleft()()
                    continue
                timeout = 0.05
                if ex is not None and ex.deadline:
                    timeout = min(timeout, (ex.remaining_s() or 0.0) + 0.001)
                if self.timers:
                    timeout = min(timeout, max(0.0, (self.timers[0][0] - now) / 1e9))
                if not self._external:
                    self._wake.wait(timeout)
                self._wake.clear()
            assert root.result is not None
            if not root.result[0]:
                self.failure = root.result[1] if len(root.result) > 1 else "error"
            return root.result
        except BaseException as exc:
            self.failure = exc
            raise
        finally:
            state.deactivate()
            state.dispatcher = outer
            if token is not None:
                CURRENT.reset(token)
            if ticking:
                self.guard._tick_stop()
            for fn in self.on_finish:
                fn()

    def _step(self, task: Task, values: tuple[Any, ...]) -> None:
        if task.done:
            return
        self.current = task
        try:
            out = task.thread.send(values if values else None)
        except StopIteration:
            out = (PENDING, True)
        finally:
            self.current = None
        if type(out) is not tuple:
            out = (out,)
        if len(out) >= 2 and out[0] is PENDING:
            # Finished: (PENDING, ok, results...) from the body wrapper.
            task.done = True
            self.live -= 1
            task.result = out[1:]
            if task.name != "main" and not out[1]:
                err = out[2] if len(out) > 2 else None
                if isinstance(err, CallError) and err.kind in (CANCELED, TIMEOUT):
                    raise err  # a limit or interrupt ends the whole execution
                text = err.decode("utf-8", "replace") if isinstance(err, bytes) else str(err)
                self.state._print(f"coroutine error: {self.state.user_traceback(text)}\n".encode())
            return
        if len(out) == 1 and out[0] is PENDING:
            return  # parked: whoever it waits for calls resume()
        # A bare coroutine.yield() at the top of a task: let others run, then continue.
        self.ready.append((task, ()))


def _noop() -> None:
    pass


def current(state: LuaState) -> tuple[Dispatcher, Task]:
    """The dispatcher and task executing now on `state` (for primitives that wait)."""
    disp = state.dispatcher
    if disp is None or disp.current is None:
        raise CallError("this operation needs a running execution (no dispatcher)",
                        kind=INVALID)
    return disp, disp.current
