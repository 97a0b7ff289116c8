"""The `json` module with Wippy's rules: integers stay integers, empty table encodes as `[]`."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from ...errors import INTERNAL, INVALID
from ..convert import ConversionError, to_lua, to_plain
from .errors import LuaErrorValue

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        if not value:
            return []
        keys = list(value)
        if any(isinstance(k, int) for k in keys) and any(isinstance(k, str) for k in keys):
            raise ValueError("cannot encode a table with mixed numeric and string keys")
        if all(isinstance(k, int) for k in keys):
            raise ValueError("cannot encode a sparse array")
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, LuaErrorValue):
        return str(value)
    return value


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua

    def encode(value: Any) -> Any:
        try:
            text = json.dumps(_jsonable(to_plain(value)), ensure_ascii=False,
                              separators=(",", ":"))
        except (ValueError, TypeError, ConversionError, RecursionError) as exc:
            return None, LuaErrorValue(f"json.encode: {exc}", INTERNAL)
        return text.encode("utf-8"), None

    def decode(text: Any) -> Any:
        if not isinstance(text, bytes) or not text:
            return None, LuaErrorValue("json.decode: expected a non-empty string", INVALID)
        try:
            value = json.loads(text)
        except (ValueError, RecursionError) as exc:
            return None, LuaErrorValue(f"json.decode: {exc}", INTERNAL)
        return to_lua(lua, value), None

    module = lua.table()
    module[b"encode"] = encode
    module[b"decode"] = decode
    state.bind("json", module)
