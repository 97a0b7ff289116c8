"""The `funcs` module: `funcs.call(id, ...)` and `funcs.async(id, ...)` from Lua into any entry.

`funcs.call` is the hot path of the runtime. This module is its Lua boundary: it plugs Lua's
value conversions (Lua -> plain on the way in, plain -> Lua on the way out, once each) and
Lua's error values into the runtime's one call pipeline (calls.py), which resolves, checks,
places (here, or a worker while the coroutine is parked: the dispatcher's PENDING and the
Lua-side `await` wrapper) and invokes. Errors are returned as `nil, err` with a structured
error value, never raised, as in Wippy.

`funcs.async` always runs the call on a worker and returns a `Future` at once; the Future is
completed on the dispatcher thread, and its channel delivers one Payload (or the error).

`funcs.new()` executors judge the call in the caller's context and run the callee with the
identity they carry (the pipeline's `call_as` / `start_async_as`). A `process.lua` /
`process.wasm` entry named as a target runs as a process on its `meta.default_host` and the
call waits for its result (process_exec.py).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from ...errors import CANCELED, INVALID, PERMISSION_DENIED, CallError, GuestError
from ...security import current
from ..convert import plain_args, to_lua
from ..exposed import lua_methods
from . import lua_object
from .channel import Channel, lua_channel
from .errors import LuaErrorValue
from .funcs_executor import Executor
from .payload import Payload

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

def error_value(exc: CallError) -> Any:
    """The Lua-side error for a failed call (a callee's own error value is passed through)."""
    value = getattr(exc, "error_value", None) or getattr(exc, "raised_value", None)
    if value is not None:
        return value
    return LuaErrorValue(str(exc), exc.kind, entry=exc.entry)


def _failure(lua: Any, exc: BaseException, entry: str) -> Any:
    """Any exception from a call -> the error value Lua gets."""
    if isinstance(exc, GuestError):  # a WIT result's err side: Lua gets the payload itself
        return to_lua(lua, exc.payload)
    if isinstance(exc, CallError):
        return error_value(exc)
    return LuaErrorValue(f"{type(exc).__name__}: {exc}", entry=entry)


@lua_methods("response", "channel", "is_complete", "is_canceled", "result", "error", "cancel")
class Future:
    """`funcs.async`'s handle, completed on the dispatcher thread. Lua sees it through a
    locked face with Lua-function methods (lua_object.py), as Wippy code checks
    `type(future.cancel) == "function"`."""

    __slots__ = ("state", "entry", "ch", "done", "canceled", "value", "err", "job")

    def __init__(self, state: LuaState, entry: str) -> None:
        self.state = state
        self.entry = entry
        self.ch = Channel(1)
        self.done = False
        self.canceled = False
        self.value: Any = None
        self.err: Any = None
        self.job: Any = None

    def complete(self, value: Any, exc: BaseException | None) -> None:
        if self.done:
            return  # canceled first: the late result is dropped
        self.done = True
        lua = self.state.lua
        if exc is not None:
            self.err = _failure(lua, exc, self.entry)
            self.ch.deliver(self.err)
        else:
            self.value = Payload(lua, value)
            self.ch.deliver(self.value)

    def response(self, *_: Any) -> Any:
        return lua_channel(self.state, self.ch)

    channel = response

    def is_complete(self, *_: Any) -> bool:
        return self.done

    def is_canceled(self, *_: Any) -> bool:
        return self.canceled

    def result(self, *_: Any) -> Any:
        if not self.done:
            return None, None
        if self.err is not None:
            return None, self.err
        return self.value, None

    def error(self, *_: Any) -> Any:
        if self.done and self.err is not None:
            return self.err, True
        return None, False

    def cancel(self, *_: Any) -> Any:
        """Best effort: a call not started yet never runs; a running one finishes on its
        worker and its result is dropped. The future completes with CANCELED at once."""
        if self.done:
            return False, LuaErrorValue("future is already complete", INVALID)
        self.canceled = True
        if self.job is not None:
            self.job.cancel()
        self.complete(None, CallError("canceled", entry=self.entry, kind=CANCELED))
        return True, None


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua
    security = runtime.security

    def process_target(target_id: Any, args: tuple, ctx: Any, async_: bool) -> Any:
        """A process entry named as a call target: run it on its `default_host` and wait
        (or complete a Future), with `funcs.call` judged in the caller's context."""
        from . import process_exec

        name = target_id.decode("utf-8", "replace") if isinstance(target_id, bytes) else None
        definition = runtime.built.get(name) if name else None
        if definition is None or not hasattr(definition, "run"):
            return None, error_value(runtime.calls.missing(target_id, prefix="funcs.call: ",
                                                           functions_only=True))
        why = security.call_denied(current(), definition.entry.id)
        if why is not None:
            return None, LuaErrorValue(why, PERMISSION_DENIED, entry=definition.entry.id)
        return process_exec.call_process(state, runtime, definition, args, ctx,
                                         async_=async_)

    # Lua values never leave this thread: arguments become plain here, results Lua again
    call, call_here, start_async, call_as, start_async_as = runtime.calls.lua_entry_points(
        state, args_to_plain=plain_args, to_lua=partial(to_lua, lua), error_value=error_value,
        on_missing=process_target)
    future_face = lua_object.wrapper(state, Future, "funcs.Future")

    def async_as(ctx: Any, target_id: Any, *args: Any) -> Any:
        """`funcs.async` (ctx None) and an executor's `:async` (the callee runs in ctx)."""
        if runtime.calls.by_bytes.get(target_id) is None:
            return process_target(target_id, args, ctx, True)
        future = Future(state, target_id.decode("utf-8", "replace")
                        if isinstance(target_id, bytes) else str(target_id))
        try:
            if ctx is None:
                target, future.job = start_async(target_id, args, future.complete)
            else:
                target, future.job = start_async_as(ctx, target_id, args, future.complete)
        except CallError as exc:
            return None, error_value(exc)
        future.entry = target.entry_id
        return future_face(future), None

    rules = state.call_rules
    if rules is not None:  # a workflow's state: every call is an activity (workflow.py)
        call, call_here, call_as, async_as = rules.wrap(state, call, call_here, call_as,
                                                        async_as)

    def async_(target_id: Any, *args: Any) -> Any:
        return async_as(None, target_id, *args)

    glue = state.async_glue
    module = lua.table()
    module[b"call"] = glue[b"wrap2"](call) if glue is not None else call_here
    module[b"async"] = lua_object.function(state, async_)
    executor_face = lua_object.wrapper(state, Executor, "funcs.Executor",
                                       awaited=("call", "async"))
    module[b"new"] = lua_object.function(
        state, lambda *_: executor_face(Executor(call_as, async_as, security, executor_face)))
    state.bind("funcs", module)
