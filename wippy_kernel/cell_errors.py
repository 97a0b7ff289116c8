"""How a failure reads in a notebook: as a Lua error, never as Python.

A failed call raised in a cell (`error(err)`, `assert(funcs.call(...))`), an error that ends a
`%call`, and a Lua error in the cell itself all become one `CellError` whose traceback is
what a Lua programmer expects: a header naming the entry and the error kind, the message with
its real line breaks, then the Lua stack of the user's code. The host's own frames (the pcall
wrapper, Python reprs of error objects) are never shown: they say nothing about the user's
code and hide the line that matters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from wippy_runtime.lua.state import without_host_frames

from .ansi import bold_red

_LUA_ERROR = "Lua error: "


@dataclass
class CellError(Exception):
    """A failure to report as an `error` reply: Jupyter's ename / evalue / traceback."""

    ename: str
    evalue: str
    traceback: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.ename}: {self.evalue}"


def clean_lines(text: str) -> list[str]:
    """`text` split into lines, without the host's frames."""
    return without_host_frames(text.replace("\r\n", "\n")).split("\n")


def _strip_prefixes(message: str, entry: str | None) -> str:
    """`m:x: Lua error: m:x:1: boom` -> `m:x:1: boom` (the header already names the entry)."""
    text = message
    for _ in range(3):
        before = text
        if entry and text.startswith(entry + ": "):
            text = text[len(entry) + 2:]
        if text.startswith(_LUA_ERROR):
            text = text[len(_LUA_ERROR):]
        if text == before:
            break
    return text


def wippy_error(message: str, *, kind: str | None, entry: str | None) -> CellError:
    """A Wippy error (a CallError, or an error value the cell raised) as a Lua error."""
    body = clean_lines(_strip_prefixes(message, entry))
    while body and not body[-1].strip():
        body.pop()
    first = body[0] if body else message
    where = f" in {entry}" if entry else ""
    what = f" ({kind})" if kind else ""
    header = bold_red(f"LuaError{what}{where}")
    evalue = f"{entry}: {first}" if entry and not first.startswith(entry) else first
    return CellError("LuaError", evalue, [header, *body])


#: the cell's chunk runs inside a wrapper (it waits for spawned coroutines) as its local `f`
_CELL_FRAME = re.compile(r"^(\s*cell\[\d+\]:\d+:) in local 'f'$")


def lua_error(text: str) -> CellError:
    """A plain Lua error raised by the cell's own code (`error("x")`, a nil index, ...)."""
    lines = [_CELL_FRAME.sub(r"\1 in main chunk", ln) for ln in clean_lines(text)]
    while lines and not lines[-1].strip():
        lines.pop()
    first = lines[0] if lines else text
    return CellError("LuaError", first, [bold_red("LuaError"), *lines])


def from_call_error(exc: Any) -> CellError:
    """A CallError that ended a cell: its entry, kind and message (and Lua stack, if any)."""
    text = getattr(exc, "traceback", None)
    entry = getattr(exc, "entry", None)
    if text and entry in (None, "cell"):
        return lua_error(text)
    message = getattr(exc, "message", None) or str(exc)
    return wippy_error(message, kind=getattr(exc, "kind", None),
                       entry=None if entry == "cell" else entry)


def from_error_value(value: Any) -> CellError:
    """An error value (`errors.new`, the `err` of `funcs.call`) that the cell raised: its
    text, then the Lua stack it carries (a callee's own frames, for a `funcs.call` error)."""
    stack = getattr(value, "_stack", None)
    text = str(value)
    if stack:
        text += "\n" + (stack if stack.startswith("stack traceback:") else
                        "stack traceback:\n" + stack)
    return wippy_error(text, kind=getattr(value, "_kind", None),
                       entry=getattr(value, "_entry", None))
