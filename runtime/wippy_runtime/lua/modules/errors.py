"""Wippy's structured errors: the `errors` global and the error userdata.

Errors are Python objects exposed as userdata (as Wippy's are), so they cross from one Lua state
to another, and to WASM callers, without losing their kind, retryable flag or details. Details
are kept as plain data and become a Lua table of whichever state asks for them (the caller of a
`funcs.call` sees the callee's details), which is why `details()` builds its table in the state
active on this thread rather than the one that made the error.

Errors the runtime itself produces are not retryable (`retryable()` is `false`); only
`errors.new` leaves the flag unset (`nil`) when the caller does not give it, as Wippy does.
"""

from __future__ import annotations

import re
from typing import Any

from ...errors import KIND_NAMES, UNKNOWN, WippyError
from ..active import active_lua, pop_active, push_active
from ..exposed import lua_methods
from ..tracebacks import clean_traceback, split_lua_error

__all__ = ["LuaErrorValue", "active_lua", "clean_traceback", "pop_active", "push_active",
           "split_lua_error"]


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


#: one frame of a Lua traceback: "\tsource:line: in what"
_FRAME = re.compile(r"^\s*(.+?):(\d+): in (.*)$")


@lua_methods("kind", "message", "retryable", "details", "stack", "entry")
class LuaErrorValue:
    """An error as Lua sees it: `err:kind()`, `err:message()`, `tostring(err)`.

    `err:kind(k)`, `err:retryable(b)` and `err:details(t)` with an argument return a copy with
    that field set (Wippy's builder style: `errors.new("x"):kind(errors.INVALID)`).
    """

    __slots__ = ("_kind", "_message", "_retryable", "_details", "_entry", "_stack", "_prefix")

    def __init__(self, message: str, kind: str = UNKNOWN, *, retryable: bool | None = False,
                 details: Any = None, entry: str | None = None, stack: str | None = None,
                 context: str | None = None) -> None:
        self._message = message
        self._kind = kind
        self._retryable = retryable
        self._details = details if details not in ({}, []) else None
        self._entry = entry
        self._stack = stack
        #: what `errors.wrap` added in front (kept apart: `message()` stays the original)
        self._prefix = context

    @classmethod
    def from_exception(cls, exc: BaseException) -> LuaErrorValue:
        """An error value naming the entry the exception is about (a process's EXIT result
        says which entry failed); `funcs.call` passes a callee's own value through instead."""
        raised = getattr(exc, "raised_value", None)
        if isinstance(exc, WippyError) and isinstance(raised, LuaErrorValue):
            return cls(str(exc), exc.kind, entry=exc.entry, retryable=raised._retryable,
                       details=raised._details, stack=raised._stack)
        if isinstance(exc, WippyError):
            return cls(str(exc), exc.kind, entry=exc.entry)
        return cls(str(exc) or type(exc).__name__, UNKNOWN)

    def _copy(self, **changes: Any) -> LuaErrorValue:
        fields: dict[str, Any] = {"retryable": self._retryable, "details": self._details,
                                  "entry": self._entry, "stack": self._stack,
                                  "context": self._prefix}
        fields.update(changes)
        kind = fields.pop("kind", self._kind)
        return LuaErrorValue(self._message, kind, **fields)

    def _given(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """The arguments of `err:method(...)` (lupa drops `self` for method calls; a dot call
        `err.method(err, ...)` still passes it)."""
        return args[1:] if args and args[0] is self else args

    # lupa runs with encoding=None: strings handed to Lua must be bytes.
    def kind(self, *args: Any) -> Any:
        given = self._given(args)
        if given:
            return self._copy(kind=_text(given[0]))
        return self._kind.encode()

    def message(self, *_: Any) -> bytes:
        return self._message.encode("utf-8", "surrogateescape")

    def retryable(self, *args: Any) -> Any:
        given = self._given(args)
        if given:
            return self._copy(retryable=None if given[0] is None else bool(given[0]))
        return self._retryable

    def details(self, *args: Any) -> Any:
        from ..convert import to_lua, to_plain

        given = self._given(args)
        if given:
            return self._copy(details=to_plain(given[0]))
        d = self._details
        if d is None:
            return None
        lua = active_lua()
        if lua is None:
            return d.encode() if isinstance(d, str) else d if isinstance(d, (int, float)) else None
        return to_lua(lua, d)

    def stack(self, *_: Any) -> bytes | None:
        return self._stack.encode() if self._stack else None

    def entry(self, *_: Any) -> bytes | None:
        return self._entry.encode() if self._entry else None

    def frames(self) -> list[dict[str, Any]]:
        """The Lua frames of `stack()`, innermost first: {source, line, name}."""
        out: list[dict[str, Any]] = []
        for line in (self._stack or "").split("\n"):
            m = _FRAME.match(line)
            if m:
                out.append({"source": m.group(1), "line": int(m.group(2)), "name": m.group(3)})
        return out

    def __str__(self) -> str:
        return f"{self._prefix}: {self._message}" if self._prefix else self._message

    def __repr__(self) -> str:
        return f"LuaErrorValue({self._kind!r}, {str(self)!r})"


def is_error_value(value: Any) -> bool:
    return isinstance(value, LuaErrorValue)


def text_of(value: Any) -> Any:
    """An error value as its text (for `..` and the string library); other values unchanged."""
    if isinstance(value, LuaErrorValue):
        return str(value).encode("utf-8", "surrogateescape")
    return value


def errors_new(spec: Any, stack: Any = None, *_: Any) -> LuaErrorValue:
    """`errors.new("msg")` or `errors.new({message=, kind=, retryable=, details=})`."""
    from ..convert import to_plain

    trace = clean_traceback(_text(stack)).strip() if stack else None
    if trace and trace.startswith("stack traceback:"):
        trace = trace[len("stack traceback:"):].strip("\n")
    if isinstance(spec, (str, bytes)):
        return LuaErrorValue(_text(spec), retryable=None, stack=trace or None)
    if isinstance(spec, LuaErrorValue):
        return spec
    value = to_plain(spec)
    if isinstance(value, dict):
        kind = _text(value.get("kind") or UNKNOWN)
        retryable = value.get("retryable")
        return LuaErrorValue(_text(value.get("message", "")), kind,
                             retryable=None if retryable is None else bool(retryable),
                             details=value.get("details"), stack=trace or None)
    raise TypeError("errors.new expects a message string or a table {message=, kind=, ...}")


def errors_wrap(err: Any, context: Any = None, *_: Any) -> Any:
    if err is None:
        return None
    prefix = _text(context) if context is not None else None
    if isinstance(err, LuaErrorValue):
        joined = f"{prefix}: {err._prefix}" if prefix and err._prefix else (prefix or err._prefix)
        return err._copy(context=joined)
    return LuaErrorValue(_text(err), retryable=None, context=prefix)


def errors_is(err: Any, kind: Any, *_: Any) -> bool:
    return isinstance(err, LuaErrorValue) and err._kind == _text(kind)


def errors_call_stack(err: Any, *_: Any) -> Any:
    """`errors.call_stack(err)`: {frames = {{source=, line=, name=}, ...}} or nil."""
    from ..convert import to_lua

    if not isinstance(err, LuaErrorValue) or not err._stack:
        return None
    lua = active_lua()
    plain = {"frames": err.frames()}
    return to_lua(lua, plain) if lua is not None else None


# `errors.new` records where it was called: the Lua-side wrapper hands the traceback over.
_NEW = r"""
local py_new, traceback = ...
return function(spec, ...) return py_new(spec, traceback("", 2), ...) end
"""


def install(lua: Any, traceback: Any = None) -> None:
    table = lua.table()
    table[b"new"] = lua.execute(_NEW, errors_new, traceback) if traceback else errors_new
    table[b"wrap"] = errors_wrap
    table[b"is"] = errors_is
    table[b"call_stack"] = errors_call_stack
    for name, kind in KIND_NAMES.items():
        table[name.encode()] = kind.encode()
    lua.globals()[b"errors"] = table
