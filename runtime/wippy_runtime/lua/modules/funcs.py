"""The `funcs` module: `funcs.call(id, ...)` and `funcs.async(id, ...)` from Lua into any entry.

`funcs.call` is the hot path of the runtime. This module is its Lua boundary: it plugs Lua's
value conversions (Lua -> plain on the way in, plain -> Lua on the way out, once each) and
Lua's error values into the runtime's one call pipeline (calls.py), which resolves, checks,
places (here, or a worker while the coroutine is parked: the dispatcher's PENDING and the
Lua-side `await` wrapper) and invokes. Errors are returned as `nil, err` with a structured
error value, never raised, as in Wippy.

`funcs.async` always runs the call on a worker and returns a `Future` at once; the Future is
completed on the dispatcher thread, and its channel delivers one Payload (or the error).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from ...errors import CANCELED, INVALID, CallError, GuestError
from ..convert import plain_args, to_lua
from ..exposed import lua_methods
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
    """`funcs.async`'s handle (wippy-lua-modules §3). Completed on the dispatcher thread."""

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
    # Lua values never leave this thread: arguments become plain here, results Lua again
    call, call_here, start_async = runtime.calls.lua_entry_points(
        state, args_to_plain=plain_args, to_lua=partial(to_lua, lua), error_value=error_value)

    def async_(target_id: Any, *args: Any) -> Any:
        future = Future(state, target_id.decode("utf-8", "replace")
                        if isinstance(target_id, bytes) else str(target_id))
        try:
            target, future.job = start_async(target_id, args, future.complete)
        except CallError as exc:
            return None, error_value(exc)
        future.entry = target.entry_id
        return future, None

    glue = state.async_glue
    module = lua.table()
    module[b"call"] = glue[b"wrap2"](call) if glue is not None else call_here
    module[b"async"] = async_
    # Executor:call is a Python method called straight from Lua: it cannot yield, so it
    # never hops (TODO: a Lua-side wrapper for Executor methods, like funcs.call's).
    module[b"new"] = lambda *_: Executor(call_here, runtime.security)
    state.bind("funcs", module)
