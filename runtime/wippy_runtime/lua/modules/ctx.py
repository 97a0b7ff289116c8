"""The `ctx` module: read-only request context values.

Values are set by a caller with `funcs.new():with_context{...}` (or `Runtime.call(...,
context=)`) and inherited by every nested call. A call with no context set sees an empty one,
as a Wippy function always runs inside a frame context (so the INTERNAL "no context" error
cannot happen here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import INVALID, NOT_FOUND
from ...security import current
from ..convert import to_lua
from .errors import LuaErrorValue

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua

    def get(key: Any = None, *_: Any) -> Any:
        if not isinstance(key, bytes) or not key:
            return None, LuaErrorValue("ctx.get: key must be a non-empty string", INVALID)
        name = key.decode("utf-8", "surrogateescape")
        ctx = current()
        if ctx is None or name not in ctx.values:
            return None, LuaErrorValue(f"context value not found: {name}", NOT_FOUND)
        return to_lua(lua, ctx.values[name]), None

    def all_values(*_: Any) -> Any:
        ctx = current()
        return to_lua(lua, dict(ctx.values) if ctx is not None else {}), None

    module = lua.table()
    module[b"get"] = get
    module[b"all"] = all_values
    state.bind("ctx", module)
