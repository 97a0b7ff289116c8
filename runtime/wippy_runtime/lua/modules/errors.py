"""Wippy's structured errors: the `errors` global and the error userdata.

Errors are Python objects exposed as userdata (as Wippy's are), so they cross from one Lua state
to another, and to WASM callers, without losing their kind.
"""

from __future__ import annotations

from typing import Any

from ...errors import ERROR_KINDS, UNKNOWN, WippyError
from ..exposed import lua_methods


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


@lua_methods("kind", "message", "retryable", "details", "stack", "entry")
class LuaErrorValue:
    """An error as Lua sees it: `err:kind()`, `err:message()`, `tostring(err)`."""

    __slots__ = ("_kind", "_message", "_retryable", "_details", "_entry", "_stack")

    def __init__(self, message: str, kind: str = UNKNOWN, *, retryable: bool | None = None,
                 details: Any = None, entry: str | None = None, stack: str | None = None) -> None:
        self._message = message
        self._kind = kind
        self._retryable = retryable
        self._details = details
        self._entry = entry
        self._stack = stack

    @classmethod
    def from_exception(cls, exc: BaseException) -> LuaErrorValue:
        if isinstance(exc, WippyError):
            return cls(str(exc), exc.kind, entry=exc.entry)
        return cls(str(exc) or type(exc).__name__, UNKNOWN)

    # Lua passes the object itself as the first argument of `err:method()`; ignore it.
    # lupa runs with encoding=None: strings handed to Lua must be bytes.
    def kind(self, *_: Any) -> bytes:
        return self._kind.encode()

    def message(self, *_: Any) -> bytes:
        return self._message.encode("utf-8", "surrogateescape")

    def retryable(self, *_: Any) -> bool | None:
        return self._retryable

    def details(self, *_: Any) -> Any:
        d = self._details
        return d.encode() if isinstance(d, str) else d if isinstance(d, (int, float, bytes)) else None

    def stack(self, *_: Any) -> bytes | None:
        return self._stack.encode() if self._stack else None

    def entry(self, *_: Any) -> bytes | None:
        return self._entry.encode() if self._entry else None

    def __str__(self) -> str:
        return self._message

    def __repr__(self) -> str:
        return f"LuaErrorValue({self._kind}, {self._message!r})"


def errors_new(spec: Any, *_: Any) -> LuaErrorValue:
    """`errors.new("msg")` or `errors.new({message=, kind=, retryable=, details=})`."""
    from ..convert import to_plain

    if isinstance(spec, (str, bytes)):
        return LuaErrorValue(_text(spec))
    value = to_plain(spec)
    if isinstance(value, dict):
        kind = _text(value.get("kind") or UNKNOWN)
        return LuaErrorValue(_text(value.get("message", "")), kind,
                             retryable=value.get("retryable"), details=value.get("details"))
    raise TypeError("errors.new expects a message string or a table {message=, kind=, ...}")


def errors_wrap(err: Any, context: Any) -> Any:
    if err is None:
        return None
    if isinstance(err, LuaErrorValue):
        return LuaErrorValue(f"{_text(context)}: {err._message}", err._kind,
                             retryable=err._retryable, details=err._details, entry=err._entry)
    return LuaErrorValue(f"{_text(context)}: {_text(err)}")


def errors_is(err: Any, kind: Any) -> bool:
    return isinstance(err, LuaErrorValue) and err._kind == _text(kind)


def errors_call_stack(err: Any) -> Any:
    return err.stack() if isinstance(err, LuaErrorValue) else None


def install(lua: Any) -> None:
    table = lua.table()
    table[b"new"] = errors_new
    table[b"wrap"] = errors_wrap
    table[b"is"] = errors_is
    table[b"call_stack"] = errors_call_stack
    for kind in ERROR_KINDS:
        table[kind.encode()] = kind.encode()
    lua.globals()[b"errors"] = table
