"""Pieces of the plain value model that every direction of conversion shares.

Plain values are what the Lua boundary hands over and takes back: None, bool, int, float,
str, bytes, list, dict and resource handles. Checking them against a type lives in
`convert`; this module holds what lifting (WIT -> plain) and error messages need too.
"""

from __future__ import annotations

from typing import Any

from .errors import WitValueError
from .handles import ResourceHandle
from .types import FuncType, ResultType

__all__ = ["describe", "LUA_INT_MAX", "check_lua_int", "split_top_level_result"]


def describe(value: Any) -> str:
    """A short, Lua-flavoured description of a plain value for error messages."""
    if value is None:
        return "nil"
    if value is True or value is False:
        return f"boolean {'true' if value else 'false'}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value!r}"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f'string "{text}"'
    if isinstance(value, (bytes, bytearray)):
        return f"binary string of {len(value)} bytes"
    if isinstance(value, list):
        return f"array of {len(value)} items"
    if isinstance(value, dict):
        return "empty table" if not value else "table"
    if isinstance(value, ResourceHandle):
        return repr(value)
    return type(value).__name__


LUA_INT_MAX = 2**63 - 1


def check_lua_int(v: int, t: str = "u64") -> int:
    """Lua integers are signed 64-bit: a u64 above 2^63-1 is an error, never a wrap."""
    if v > LUA_INT_MAX:
        raise WitValueError(f"{t} value {v} does not fit a Lua integer (max 2^63-1)",
                            reason="u64 overflow")
    return v


def split_top_level_result(func: FuncType, value: Any) -> tuple[Any, Any]:
    """Turn a function's lifted return value into Lua's `value, err` pair.

    A function whose single result is `result<T, E>` returns `(v, None)` on ok and
    `(None, e)` on err; a side without a type gives `True`. Any other function returns
    `(value, None)`. Multiple results come back as a list in `value`.
    """
    if len(func.results) == 1 and isinstance(func.results[0], ResultType) and \
            type(value) is dict and len(value) == 1:
        ((tag, payload),) = value.items()
        if tag == "ok":
            return payload, None
        if tag == "err":
            return None, payload
    return value, None
