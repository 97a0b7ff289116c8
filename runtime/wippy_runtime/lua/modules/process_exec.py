"""Running a process to its end for a caller that waits: `process.exec(id, host, ...)` and a
process entry called as a function (`funcs.call` / `funcs.async` on a `process.lua` entry,
which runs on the entry's `meta.default_host`). A workflow entry is started by the workflow
engine (scheduler/workflows.py) on the temporal.worker `host` names.

The process runs on its own thread as any spawned one; the waiting coroutine is parked
(PENDING) and resumed from the process's completion callback through the dispatcher's `post`,
so other coroutines keep running meanwhile. Without a dispatcher (a caller that cannot yield)
the calling thread blocks until the process ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import INVALID, NOT_FOUND, CallError
from ...scheduler.dispatcher import PENDING
from ...scheduler.workflows import engine_of
from ...security import current
from ..convert import ConversionError, to_lua, to_plain
from .errors import LuaErrorValue

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState


def _error_value(exc: Any) -> Any:
    value = getattr(exc, "error_value", None)
    if value is not None:
        return value
    if isinstance(exc, CallError):
        return LuaErrorValue(str(exc), exc.kind, entry=exc.entry)
    return LuaErrorValue(str(exc))


def run_and_wait(state: LuaState, runtime: LuaHost, definition: Any, host_id: str,
                 args: tuple[Any, ...], ctx: Any = None) -> Any:
    """Spawn `definition` on `host_id` and return its `value, nil` / `nil, err` (or PENDING
    and resume the calling coroutine with them later)."""
    from .process import host_of

    try:
        plain = [to_plain(a) for a in args]
    except ConversionError as exc:
        return None, LuaErrorValue(f"{definition.entry.id}: bad argument: {exc}", INVALID)
    host = host_of(runtime)
    ctx = current() if ctx is None else ctx
    disp = state.dispatcher
    task = disp.current if disp is not None else None

    def spawn(on_done: Any = None) -> Any:
        if getattr(definition, "workflow", False):  # the workflow engine's rules
            parent = disp.process if disp is not None else None
            proc = engine_of(host).start(definition, host_id, plain, ctx=ctx, on_done=on_done,
                                         caller=disp.entry if disp is not None else None)
            if parent is not None and parent.workflow is not None:
                parent.workflow.record({"child": definition.entry.id, "args": plain})
            return proc
        return host.spawn(definition, host_id, plain, None, False, False, ctx=ctx,
                          on_done=on_done)

    if task is None:
        try:
            proc = spawn()
        except CallError as exc:
            return None, _error_value(exc)
        proc.finished.wait()
        return _results(state, proc.result or {})

    def resume(result: dict[str, Any]) -> None:  # on the dispatcher thread
        disp.inflight -= 1
        disp.resume(task, _results(state, result))

    def done(result: dict[str, Any]) -> None:  # on the process's thread
        disp.post(lambda: resume(result))

    disp.inflight += 1  # the dispatcher waits for this process like for a worker call
    try:
        spawn(done)
    except CallError as exc:
        disp.inflight -= 1
        return None, _error_value(exc)
    return PENDING


def _results(state: LuaState, result: dict[str, Any]) -> tuple[Any, Any]:
    if "error" in result:
        return None, _error_value(result["error"])
    return to_lua(state.lua, result.get("value")), None


def default_host(definition: Any) -> str | None:
    meta = definition.entry.meta if isinstance(definition.entry.meta, dict) else {}
    host = meta.get("default_host")
    return host if isinstance(host, str) and host else None


def call_process(state: LuaState, runtime: LuaHost, definition: Any, args: tuple[Any, ...],
                 ctx: Any, async_: bool) -> Any:
    """`funcs.call` / `funcs.async` on a process entry: run it on its default host."""
    entry_id = definition.entry.id
    host_id = default_host(definition)
    if host_id is None:  # no function of that name: NOT_FOUND, saying what would work
        return None, LuaErrorValue(f"{entry_id}: a process entry without meta.default_host "
                                   f"cannot be called as a function (spawn it with "
                                   f"process.spawn, or give it a default_host)", NOT_FOUND,
                                   entry=entry_id)
    phost = runtime.built.get(host_id)
    if phost is None or phost.entry.kind != "process.host":
        return None, LuaErrorValue(f"{entry_id}: default_host {host_id} is not a "
                                   f"process.host", INVALID, entry=entry_id)
    if not async_:
        return run_and_wait(state, runtime, definition, host_id, args, ctx)
    return start_future(state, runtime, definition, host_id, args, ctx)


def start_future(state: LuaState, runtime: LuaHost, definition: Any, host_id: str,
                 args: tuple[Any, ...], ctx: Any) -> Any:
    """The `funcs.async` form: a Future completed when the process ends."""
    from . import lua_object
    from .funcs import Future
    from .process import host_of

    disp = state.dispatcher
    if disp is None or disp.current is None:
        return None, LuaErrorValue("funcs.async needs a running execution", INVALID)
    try:
        plain = [to_plain(a) for a in args]
    except ConversionError as exc:
        return None, LuaErrorValue(f"{definition.entry.id}: bad argument: {exc}", INVALID)
    future = Future(state, definition.entry.id)

    def done(result: dict[str, Any]) -> None:
        if "error" in result:
            disp.post(lambda: future.complete(None, result["error"]))
        else:
            disp.post(lambda: future.complete(result.get("value"), None))

    host_of(runtime).spawn(definition, host_id, plain, None, False, False,
                           ctx=current() if ctx is None else ctx, on_done=done)
    return lua_object.wrapper(state, Future, "funcs.Future")(future), None
