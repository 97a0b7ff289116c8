"""The `io` module: the caller's terminal (Wippy's `io`, not Lua's standard library).

Where the terminal is depends on who runs the code: under `wippy run` it is the CLI's own
stdin/stdout/stderr and command arguments (`Runtime.terminal`); in a notebook, output goes to
the running cell through the runtime's output hook and there is no stdin or arguments.
Anywhere else (a `wippy call`, a test run) there is no terminal, and the functions return
`nil, err` ("no terminal context", kind Unavailable) as Wippy's do outside a terminal host.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from ...errors import INTERNAL, INVALID, UNAVAILABLE
from ..convert import to_lua
from .errors import LuaErrorValue

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

#: bytes `io.read()` asks for when not told (Wippy's default)
DEFAULT_READ = 1024

# Arguments are turned into text by Lua's own tostring (tables, numbers, error values alike);
# Python only moves the text.
_GLUE = r"""
local out, err, read, readline, raw, flush, args = ...
local select, tostring, concat = select, tostring, table.concat
local function joined(sep, ...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do parts[i] = tostring((select(i, ...))) end
  return concat(parts, sep)
end
return {
  write = function(...) return out(joined("", ...)) end,
  print = function(...) return out(joined("\t", ...) .. "\n") end,
  eprint = function(...) return err(joined("\t", ...) .. "\n") end,
  read = read,
  readline = readline,
  raw = raw,
  flush = flush,
  args = args,
}
"""


def _no_terminal() -> tuple[None, LuaErrorValue]:
    return None, LuaErrorValue("no terminal context", UNAVAILABLE, retryable=False)


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua

    def has_output() -> bool:
        return runtime.terminal is not None or runtime.has_output_hook()

    def stdin() -> Any:
        terminal = runtime.terminal
        if terminal is None or not getattr(terminal, "stdin", False):
            return None
        return getattr(sys.stdin, "buffer", None)

    def out(text: bytes) -> Any:
        if not has_output():
            return _no_terminal()
        runtime.write_output(text.decode("utf-8", "replace"))
        return True

    def err(text: bytes) -> Any:
        if not has_output():
            return _no_terminal()
        runtime.write_error(text.decode("utf-8", "replace"))
        return True

    def no_input() -> tuple[None, LuaErrorValue]:
        if has_output():
            return None, LuaErrorValue("no terminal input here (stdin is only available to "
                                       "`wippy run`)", UNAVAILABLE, retryable=False)
        return _no_terminal()

    def read(n: Any = None, *_: Any) -> Any:
        if n is not None and (isinstance(n, bool) or not isinstance(n, (int, float))):
            return None, LuaErrorValue("io.read: n must be an integer", INVALID,
                                       retryable=False)
        source = stdin()
        if source is None:
            return no_input()
        count = int(n) if n is not None and n > 0 else DEFAULT_READ
        try:
            data = source.read1(count) if hasattr(source, "read1") else source.read(count)
        except (OSError, ValueError) as exc:
            return None, LuaErrorValue(f"read stdin: {exc}", INTERNAL, retryable=False)
        if not data:
            return None, LuaErrorValue("EOF", INTERNAL, retryable=False)
        return data

    def readline(*_: Any) -> Any:
        source = stdin()
        if source is None:
            return no_input()
        try:
            line = source.readline()
        except (OSError, ValueError) as exc:
            return None, LuaErrorValue(f"read stdin: {exc}", INTERNAL, retryable=False)
        if not line:
            return None, LuaErrorValue("EOF", INTERNAL, retryable=False)
        return line.rstrip(b"\r\n")

    def raw(*_: Any) -> Any:
        if runtime.terminal is None:
            return _no_terminal() if not has_output() else (
                None, LuaErrorValue("raw terminal control unavailable", UNAVAILABLE,
                                    retryable=False))
        return True  # output is line-oriented here; raw mode changes nothing we can see

    def flush(*_: Any) -> Any:
        if not has_output():
            return _no_terminal()
        if runtime.terminal is not None:
            sys.stdout.flush()
        return True

    def args(*_: Any) -> Any:
        terminal = runtime.terminal
        return to_lua(lua, list(getattr(terminal, "args", ()) or ()))

    module = lua.execute(_GLUE, out, err, read, readline, raw, flush, args)
    state.bind("io", module)
