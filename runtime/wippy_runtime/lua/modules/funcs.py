"""The `funcs` module: `funcs.call(id, ...)` and `funcs.async(id, ...)` from Lua into any entry.

`funcs.call` is the hot path of the runtime. Its Python body looks the target up in the
runtime's live table (keyed by the bytes Lua hands over), and either invokes it right here
(inline WASM, or a caller with nothing else to do) or hands it to the pool's worker threads
and returns the dispatcher's PENDING sentinel; the Lua-side `await` wrapper (dispatcher glue)
then parks the coroutine until the worker posts the result back (scheduler/offload.py says
which calls hop and why). The wrapper costs one Lua frame and one comparison on the fast path.
Errors are returned as `nil, err` with a structured error value, never raised, as in Wippy.

`funcs.async` always runs the call on a worker and returns a `Future` at once; the Future is
completed on the dispatcher thread, and its channel delivers one Payload (or the error).

`funcs.new()` executors judge the call in the caller's context and run the callee with the
identity they carry (`call_as` / `async_as`). A `process.lua` / `process.wasm` entry named as a
target runs as a process on its `meta.default_host` and the call waits for its result
(process_exec.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import CANCELED, INVALID, NOT_FOUND, PERMISSION_DENIED, CallError, GuestError
from ...registry.ids import InvalidIdError, parse_id
from ...scheduler import offload
from ...scheduler.dispatcher import PENDING
from ...security import current
from ...security.context import call_in
from ..convert import ConversionError, to_lua, to_plain
from ..exposed import lua_methods
from . import lua_object
from .channel import Channel, lua_channel
from .errors import LuaErrorValue
from .funcs_executor import Executor
from .payload import Payload

if TYPE_CHECKING:
    from ...runtime import Runtime
    from ..state import LuaState

_SCALARS = (type(None), bool, int, float, bytes)


def error_value(exc: CallError) -> Any:
    """The Lua-side error for a failed call (a callee's own error value is passed through)."""
    value = getattr(exc, "error_value", None)
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


def _missing(target_id: Any) -> LuaErrorValue:
    if not isinstance(target_id, bytes):
        return LuaErrorValue(f"funcs.call: target must be a string \"namespace:name\", got "
                             f"{type(target_id).__name__}", INVALID)
    text = target_id.decode("utf-8", "replace")
    try:
        parse_id(text)
    except InvalidIdError as exc:
        return LuaErrorValue(f"funcs.call: {exc.message}", INVALID)
    return LuaErrorValue(f"{text}: no such entry", NOT_FOUND, entry=text)


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


def install(state: LuaState, runtime: Runtime) -> None:
    lua = state.lua
    targets = runtime.targets_by_bytes
    should_offload = offload.should_offload
    security = runtime.security

    def hop(target: Any, args: tuple, done: Any) -> Any:
        """Submit to the target's workers; returns the submission, or raises CallError.
        The job runs in a copy of this context, so the security context goes along."""
        try:
            plain = [to_plain(a) for a in args]  # Lua values never leave this thread
        except ConversionError as exc:
            raise CallError(f"bad argument: {exc}", entry=target.entry_id,
                            kind=INVALID) from None
        return offload.submit(target, plain, state.dispatcher, done)

    def denied(target: Any) -> Any:
        ctx = current()  # the caller's actor/scope/context; nested calls inherit it as is
        if ctx is not None or security.strict_mode:
            why = security.call_denied(ctx, target.entry_id)
            if why is not None:
                return LuaErrorValue(why, PERMISSION_DENIED, entry=target.entry_id)
        return None

    def call_here(target_id: Any, *args: Any) -> Any:
        """`funcs.call` on this thread (no dispatcher, or a caller that cannot yield)."""
        target = targets.get(target_id)
        if target is None:
            return process_call(target_id, args, None)
        return run_here(target, args)

    def run_here(target: Any, args: tuple) -> Any:
        if security.strict_mode or current() is not None:  # inlined: the hot path
            err = denied(target)
            if err is not None:
                return None, err
        return run_unchecked(target, args)

    def run_unchecked(target: Any, args: tuple) -> Any:
        try:
            value = target.invoke(args)
        except GuestError as exc:  # a WIT result's err side: Lua gets the payload itself
            return None, to_lua(lua, exc.payload)
        except CallError as exc:
            return None, error_value(exc)
        if type(value) in _SCALARS:
            return value, None
        return to_lua(lua, value), None

    def call(target_id: Any, *args: Any) -> Any:
        """`funcs.call` under a dispatcher: may hop to the pool's workers (returns PENDING)."""
        target = targets.get(target_id)
        if target is None:
            return process_call(target_id, args, None)
        if target.offload and should_offload(target, state.dispatcher):
            if security.strict_mode or current() is not None:
                err = denied(target)
                if err is not None:
                    return None, err
            return call_unchecked(target, args)
        return run_here(target, args)

    def call_unchecked(target: Any, args: tuple) -> Any:
        disp = state.dispatcher
        if disp is None or disp.current is None or not target.offload:
            return run_unchecked(target, args)
        task = disp.current

        def done(value: Any, exc: BaseException | None) -> None:
            if exc is not None:
                disp.resume(task, (None, _failure(lua, exc, target.entry_id)))
            elif type(value) in _SCALARS:
                disp.resume(task, (value, None))
            else:
                disp.resume(task, (to_lua(lua, value), None))

        try:
            hop(target, args, done)
        except CallError as exc:
            return None, error_value(exc)
        return PENDING

    def process_call(target_id: Any, args: tuple, ctx: Any) -> Any:
        """A process entry called as a function: run on its `default_host` and wait."""
        from . import process_exec

        name = target_id.decode("utf-8", "replace") if isinstance(target_id, bytes) else None
        definition = runtime.built.get(name) if name else None
        if definition is None or not hasattr(definition, "run"):
            return None, _missing(target_id)
        why = security.call_denied(current(), definition.entry.id)  # the caller's context
        if why is not None:
            return None, LuaErrorValue(why, PERMISSION_DENIED, entry=definition.entry.id)
        return process_exec.call_process(state, runtime, definition, args, ctx, async_=False)

    def call_as(ctx: Any, target_id: Any, *args: Any) -> Any:
        """`Executor:call`: the permission to call is the caller's (judged here, in the
        caller's context); the callee then runs with the executor's identity `ctx`."""
        target = targets.get(target_id)
        if target is None:
            return process_call(target_id, args, ctx)
        err = denied(target)
        if err is not None:
            return None, err
        if target.offload and should_offload(target, state.dispatcher):
            return call_in(ctx, call_unchecked, target, args)
        return call_in(ctx, run_unchecked, target, args)

    def async_(target_id: Any, *args: Any) -> Any:
        return async_as(None, target_id, *args)

    def async_as(ctx: Any, target_id: Any, *args: Any) -> Any:
        target = targets.get(target_id)
        if target is None:
            name = target_id.decode("utf-8", "replace") if isinstance(target_id, bytes) else ""
            definition = runtime.built.get(name)
            if definition is not None and hasattr(definition, "run"):
                from . import process_exec

                why = security.call_denied(current(), definition.entry.id)
                if why is not None:
                    return None, LuaErrorValue(why, PERMISSION_DENIED, entry=name)
                return process_exec.call_process(state, runtime, definition, args, ctx,
                                                 async_=True)
            return None, _missing(target_id)
        err = denied(target)  # the caller's permission, as for Executor:call
        if err is not None:
            return None, err
        disp = state.dispatcher
        if disp is None or disp.current is None:
            return None, LuaErrorValue("funcs.async needs a running execution", INVALID)
        future = Future(state, target.entry_id)
        try:
            future.job = (hop(target, args, future.complete) if ctx is None else
                          call_in(ctx, hop, target, args, future.complete))
        except CallError as exc:
            return None, error_value(exc)
        return future_face(future), None

    future_face = lua_object.wrapper(state, Future, "funcs.Future")
    executor_face = lua_object.wrapper(state, Executor, "funcs.Executor",
                                       awaited=("call", "async"))
    glue = state.async_glue
    module = lua.table()
    module[b"call"] = glue[b"wrap"](call) if glue is not None else call_here
    module[b"async"] = lua_object.function(state, async_)
    module[b"new"] = lua_object.function(
        state, lambda *_: executor_face(Executor(call_as, async_as, security, executor_face)))
    state.bind("funcs", module)
