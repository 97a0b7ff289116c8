"""Running a call on a pool's worker threads while the calling Lua coroutine is parked.

Why and when (measured, bench/bench_scheduler.py):

* A hop to a worker thread and back costs tens of microseconds (two thread wake-ups and GIL
  hand-offs), several times the whole inline `funcs.call` (~8-10 us). That hop is what the
  first attempt at worker threads paid on *every* `funcs.call` to a pooled entry: a WAT entry
  without a `pool:` block is an implicit *lazy* pool, not inline, so the benchmark's "fast
  path" was hopping. So a call hops only when hopping buys something (`Target.offload`):

  - `NEVER`: inline WASM without imports. It cannot block; `inline` is the caller's path.
  - `WHEN_BUSY`: pooled WASM without imports, and Lua entries. They hop when the caller's
    dispatcher has other work (ready or parked coroutines, timers, calls in flight): then
    the call must not hold them up, and concurrent callers of a static pool run in parallel
    on its workers (wasmtime releases the GIL). A lone coroutine with nothing else to serve
    runs the call on its own thread at inline cost. Lazy/adaptive WASM pools also stay on the
    caller's thread while their mean call time is below `HOP_NS` (a call shorter than the
    hop holds nobody up for long; 1,000 coroutines calling a 5 us function paid 180 us each
    when every call hopped). Static pools always hop when busy: their workers are the point.
    Lua entries always hop when busy: they may sleep or wait, which no mean predicts.
  - `ALWAYS`: WASM with imports (WASI clocks/poll, sockets, HTTP, ...): they may block in
    native code for as long as they like; only another thread keeps the dispatcher going.

* Each pool gets its own executor with as many threads as the pool has instances, so a job
  waiting for a pool slot waits in the executor's queue, not in a thread, and the coroutine
  that asked is parked (it yields; nothing blocks). `queue_size` (static pools' `buffer`)
  bounds that queue: beyond it a call fails at once with UNAVAILABLE.
* Re-entrancy: a Lua entry calling itself (directly or through others) while its instances
  are all held up the call chain would wait for itself once the inner call runs on another
  thread. `CHAIN` (a context variable, copied into every job) names the Lua entries running
  in this call chain; such a call gets a transient instance, run on the shared overflow
  threads (the pool's own workers may all be waiting for it).
* A call made while this very thread holds the target's lock or one of its instances (a
  component calling back through the `funcs` host into an entry of its own group) stays on
  this thread, whatever the mode: a worker would wait for the lock its caller holds, and the
  thread-based re-entrancy checks of the pools and instance groups give it what it needs.
* Jobs run in a copy of the caller's `contextvars` context, so whatever rides in context
  variables (the security context) follows the call to the worker.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import CANCELED, UNAVAILABLE, CallError
from .limits import CURRENT

if TYPE_CHECKING:
    from .dispatcher import Dispatcher


class Target(Protocol):
    """A callable entry as the worker machinery sees it (kinds/base.py `Target`)."""

    entry_id: str
    pool: Any

NEVER, WHEN_BUSY, ALWAYS = 0, 1, 2
#: lazy/adaptive WASM pools whose mean call is shorter than this run on the caller's thread
HOP_NS = 250_000

#: Lua entries executing in the current call chain (see the module docstring).
CHAIN: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar("wippy_chain",
                                                                       default=frozenset())

_lock = threading.Lock()


def pool_executor(target: Target) -> ThreadPoolExecutor:
    """The target pool's worker threads (created on first use, one per instance at most)."""
    pool = target.pool
    ex = pool.executor
    if ex is None:
        with _lock:
            ex = pool.executor
            if ex is None:
                name = "wippy-" + target.entry_id.replace(":", "-")
                ex = pool.executor = ThreadPoolExecutor(max(1, pool.plan.max_instances),
                                                        thread_name_prefix=name)
    return ex


def overflow_executor() -> ThreadPoolExecutor:
    from .dispatcher import executor

    return executor()


def invoke_here(target: Target, args: tuple | list) -> Any:
    """The body of a job: the target's normal call path, or a transient instance when the
    entry is already running further up this call chain (it would wait for itself).
    A job whose execution was interrupted or ran out of time while it sat in the queue
    fails here without running."""
    ex = CURRENT.get()
    if ex is None:
        return _invoke(target, args)
    err = ex.error()
    if err is not None:
        raise err
    if not ex.deadline:
        return _invoke(target, args)
    # The caller may end before this job does (it returned, or timed out waiting): the epoch
    # must keep moving so that a WASM store here still meets the caller's deadline.
    with ex.guard.ticking():
        return _invoke(target, args)


def _invoke(target: Target, args: tuple | list) -> Any:
    if target.entry_id in CHAIN.get():
        return target.pool.invoke_transient(tuple(args))
    return target.pool.invoke(tuple(args))


def submit(target: Target, args: tuple[Any, ...] | list[Any], disp: Dispatcher,
           done: Callable[[Any, BaseException | None], None]) -> Future[None]:
    """Run `target` with plain `args` on its pool's workers; `done(value, exc)` then runs on
    the dispatcher thread. Raises CallError(UNAVAILABLE) when the pool's queue is full."""
    pool = target.pool
    limit = pool.plan.queue_size
    if limit and pool.queued >= limit:
        raise CallError(f"pool queue is full ({limit} waiting)", entry=target.entry_id,
                        kind=UNAVAILABLE)
    ctx = contextvars.copy_context()
    post = disp.post
    with pool.mutex:
        pool.queued += 1
    disp.inflight += 1
    started = [False]

    def finish(value: Any, exc: BaseException | None) -> None:
        disp.inflight -= 1
        done(value, exc)

    def job() -> None:
        started[0] = True
        with pool.mutex:
            pool.queued -= 1
        try:
            value = ctx.run(invoke_here, target, args)
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to Lua
            failure = exc  # `exc` is unbound after the except block; the lambda runs later
            post(lambda: finish(None, failure))
            return
        post(lambda: finish(value, None))

    # A re-entrant call runs on a transient instance, so it must not queue behind the pool's
    # own workers either (they may all be busy waiting for it): the shared overflow threads.
    ex = overflow_executor() if target.entry_id in CHAIN.get() else pool_executor(target)
    fut = ex.submit(job)

    def on_cancel(f: Future[None]) -> None:
        if f.cancelled() and not started[0]:
            with pool.mutex:
                pool.queued -= 1
            post(lambda: finish(None, CallError("canceled", entry=target.entry_id,
                                                kind=CANCELED)))

    fut.add_done_callback(on_cancel)
    return fut
