"""The `funcs` module: `funcs.call(id, ...)` from Lua into any entry, Lua or WASM.

This is the hot path of the runtime. `call` is a Python function bound directly as the module
field (no Lua wrapper frame); it looks the target up in the runtime's live table (keyed by the
bytes Lua hands over), invokes it, and converts only non-scalar results. Errors are returned as
`nil, err` with a structured error value, never raised, as in Wippy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import INVALID, NOT_FOUND, PERMISSION_DENIED, CallError, GuestError
from ...registry.ids import InvalidIdError, parse_id
from ...security import current
from ..convert import to_lua
from .errors import LuaErrorValue
from .funcs_executor import Executor

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


def install(state: LuaState, runtime: Runtime) -> None:
    lua = state.lua
    targets = runtime.targets_by_bytes
    security = runtime.security

    def call(target_id: Any, *args: Any) -> Any:
        target = targets.get(target_id)
        if target is None:
            return None, _missing(target_id)
        ctx = current()  # the caller's actor/scope/context; nested calls inherit it as is
        if ctx is not None or security.strict_mode:
            denied = security.call_denied(ctx, target.entry_id)
            if denied is not None:
                return None, LuaErrorValue(denied, PERMISSION_DENIED, entry=target.entry_id)
        try:
            value = target.invoke(args)
        except GuestError as exc:  # a WIT result's err side: Lua gets the payload itself
            return None, to_lua(lua, exc.payload)
        except CallError as exc:
            return None, error_value(exc)
        if type(value) in _SCALARS:
            return value, None
        return to_lua(lua, value), None

    module = lua.table()
    module[b"call"] = call
    module[b"new"] = lambda *_: Executor(call, security)
    state.bind("funcs", module)
