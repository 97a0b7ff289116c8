"""What the data modules (hash, uuid, crypto, compress, ...) share: Wippy's two ways to fail.

Wippy's modules fail in one of two ways, and Lua code depends on which:
- a wrong *value* returns `nil, err` (a structured error, never retryable): `fail(...)`;
- a wrong *type* where the real module uses Lua's argument check raises the Lua error
  "bad argument #n to 'fn' (string expected, got nil)": `check_string(...)` and friends.
Each module picks per function what the real one does.
"""

from __future__ import annotations

from typing import Any, TypeGuard

import lupa.lua54 as lupa

from ...errors import INVALID, CallError
from ..convert import LuaFace
from .errors import LuaErrorValue

_lua_type = lupa.lua_type


def error(message: str, kind: str) -> LuaErrorValue:
    """A built-in module's error value: Wippy's built-in errors are never retryable."""
    return LuaErrorValue(message, kind, retryable=False)


def fail(message: str, kind: str) -> tuple[None, LuaErrorValue]:
    """The `nil, err` pair a module returns for a bad value or a failed operation."""
    return None, error(message, kind)


def unwrap_identity(value: Any, cls: type, fn: str, what: str) -> Any:
    """The Actor or Scope behind a `with_actor` / `with_scope` argument (its Lua face or the
    plain object); a nil or foreign value raises Lua's bad-argument error for `fn`."""
    if value is None:
        raise CallError(f"bad argument #1 to '{fn}' ({what} cannot be nil)", kind=INVALID)
    plain = value.plain if isinstance(value, LuaFace) else value
    if not isinstance(plain, cls):
        raise CallError(f"bad argument #1 to '{fn}' ({cls.__name__} expected)", kind=INVALID)
    return plain


def network_denied(security: Any, network: Any) -> str | None:
    """Why the caller may not select the overlay `network` (an option of an HTTP request, an
    executor or a spawner), or None. Selecting a network is its own permission
    (`network.select` on the network's id), judged before anything uses the option."""
    if not isinstance(network, str) or not network or \
            security.allowed("network.select", network):
        return None
    return f"not allowed: network {network}"


def lua_type(value: Any) -> str:
    """The Lua type name of a value as lupa hands it over (for messages and checks)."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, bytes):
        return "string"
    return _lua_type(value) or "userdata"


def is_table(value: Any) -> TypeGuard[Any]:  # lets mypy drop `None` after the check
    return _lua_type(value) == "table"


def text(value: bytes) -> str:
    """A Lua string as Python text (invalid UTF-8 survives the round trip)."""
    return value.decode("utf-8", "surrogateescape")


def bad_argument(fn: str, n: int, expected: str, value: Any) -> CallError:
    """Lua's own argument error, naming the function and the argument's position."""
    return CallError(f"bad argument #{n} to '{fn}' ({expected} expected, got "
                     f"{lua_type(value)})", kind=INVALID)


def check_string(value: Any, fn: str, n: int) -> bytes:
    """A required string argument (numbers convert, as in Lua), or raise."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value).encode()
    raise bad_argument(fn, n, "string", value)


def check_integer(value: Any, fn: str, n: int) -> int:
    """A required integer argument (an integral float is accepted, as in Lua), or raise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise bad_argument(fn, n, "number", value)
    if isinstance(value, float):
        if not value.is_integer():
            raise CallError(f"bad argument #{n} to '{fn}' (number has no integer "
                            "representation)", kind=INVALID)
        return int(value)
    return value


def option(options: Any, name: str) -> Any:
    """`options[name]` of an optional options table (None when absent or not a table)."""
    if not is_table(options):
        return None
    return options[name.encode()]


_MAKER = "return function(f) return function(...) return f(...) end end"


def build(state: Any, spec: dict[str, Any]) -> Any:
    """A module table from `{name: callable | nested dict | value}`.

    Python callables become real Lua functions (`type(f) == "function"`, as every Wippy module
    function is) by a one-line Lua closure around them; nested dicts become sub-tables."""
    lua = state.lua
    maker = lua.execute(_MAKER)

    def table(items: dict[str, Any]) -> Any:
        t = lua.table()
        for name, value in items.items():
            key = name.encode()
            if isinstance(value, dict):
                t[key] = table(value)
            elif callable(value) and not isinstance(value, type):
                t[key] = maker(value)
            else:
                t[key] = value
        return t

    return table(spec)
