"""The `stream` module: Wippy's Stream objects, which other modules hand out (a request body
from `req:stream()`, an uploaded file from `file:stream()`).

The module itself has no functions (as in Wippy); `new_stream(state, source)` makes the Lua
object over a Python source (`read(n) -> bytes`, optional `close()`, a size when known).
Methods: `read(size?)` (size 0 or none: all that is left; `nil` at the end), `stat()`, `close()`;
`write`, `seek` and `flush` answer errors here, since these streams are read-only and
sequential. Errors are Wippy's: INTERNAL for a closed stream or a failed read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...errors import INTERNAL, INVALID
from ..convert import to_lua
from ..objects import fail, lua_class

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState


class StreamSource:
    """What a Stream reads: `read(n)` returns up to n bytes (b"" at the end; n < 0: all)."""

    def __init__(self, read: Callable[[int], bytes], size: int = -1,
                 close: Callable[[], None] | None = None, name: str = "stream") -> None:
        self.read = read
        self.size = size
        self._close = close
        self.name = name
        self.position = 0
        self.closed = False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self._close is not None:
                self._close()


def bytes_source(data: bytes, name: str = "stream") -> StreamSource:
    """A stream over bytes already in memory (an uploaded file's part)."""
    view = memoryview(data)
    pos = [0]

    def read(n: int) -> bytes:
        start = pos[0]
        end = len(view) if n < 0 else min(len(view), start + n)
        pos[0] = end
        return bytes(view[start:end])

    return StreamSource(read, len(data), name=name)


def _read(s: StreamSource, size: Any = None, *_: Any) -> Any:
    if s.closed:
        return fail("stream:read: stream is closed", INTERNAL)
    if size is not None and (isinstance(size, bool) or not isinstance(size, (int, float))
                             or size < 0):
        return fail("stream:read: size must be a non-negative integer", INVALID)
    n = -1 if not size else int(size)
    try:
        data = s.read(n)
    except Exception as exc:  # the socket or file broke; Lua gets Wippy's read error
        return fail(f"stream:read: {exc}", INTERNAL)
    if not data:
        return None, None
    s.position += len(data)
    return data, None


def _stat(s: StreamSource, *_: Any) -> Any:
    if s.closed:
        return fail("stream:stat: stream is closed", INTERNAL)
    return {"size": s.size, "position": s.position, "readable": True, "writable": False,
            "seekable": False}, None


def _close(s: StreamSource, *_: Any) -> Any:
    try:
        s.close()
    except Exception as exc:
        return fail(f"stream:close: {exc}", INTERNAL, False)
    return True, None


def _write(s: StreamSource, *_: Any) -> Any:
    return fail("stream:write: stream is not writable", INTERNAL)


def _seek(s: StreamSource, *_: Any) -> Any:
    return fail("stream:seek: stream is not seekable", INTERNAL)


def _flush(s: StreamSource, *_: Any) -> Any:
    if s.closed:
        return fail("stream:flush: stream is closed", INTERNAL, False)
    return True, None


def new_stream(state: LuaState, source: StreamSource) -> Any:
    """The Lua Stream object over `source`."""
    lua = state.lua

    def stat(s: StreamSource, *a: Any) -> Any:
        value, err = _stat(s, *a)
        return (to_lua(lua, value) if value is not None else None), err

    cls = lua_class(state, "stream.Stream", {
        "read": _read, "stat": stat, "close": _close, "write": _write, "seek": _seek,
        "flush": _flush}, lambda s: f"Stream({s.name})")
    return cls.new(source)


def unwrap_stream(state: LuaState, value: Any) -> StreamSource | None:
    """The source behind a Lua Stream object (for modules that consume one, like fs)."""
    cache = state.__dict__.get("_wippy_classes", {})
    cls = cache.get("stream.Stream")
    return cls.unwrap(value) if cls is not None else None


def install(state: LuaState, runtime: LuaHost) -> None:
    state.bind("stream", state.lua.table())
