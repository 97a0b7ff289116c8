"""What the generators of `component_call` share: the source being written, and the two
ways generated code (or its generator) gives up on the direct path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["Source", "Fallback", "NoFastPath", "REJECT", "WriteEmit", "ReadEmit"]


class Fallback(Exception):
    """Raised by generated writers: this value is not in a shape they write directly."""


class NoFastPath(Exception):
    """Raised by a generator: this signature gets no generated writer (an `own` handle)."""


class Source:
    """Lines of generated code, fresh local names and the constants the code refers to."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.env: dict[str, Any] = {}
        self._n = 0

    def var(self, stem: str) -> str:
        self._n += 1
        return f"{stem}{self._n}"

    def const(self, value: Any, stem: str = "c") -> str:
        name = f"_{stem}{len(self.env)}"
        self.env[name] = value
        return name

    def line(self, ind: int, text: str) -> None:
        self.lines.append("    " * ind + text)


#: `emit(src, ind, x, v)`: code at indent `ind` writing the plain value in local `x` into
#: the `wasmtime_component_val_t` in local `v`, or raising `Fallback`
WriteEmit = Callable[[Source, int, str, str], None]
#: `emit(src, ind, v) -> expr`: code at indent `ind` reading the value in local `v`; the
#: returned expression is its plain value (valid right after the emitted lines)
ReadEmit = Callable[[Source, int, str], str]

#: the statement generated writers give up with
REJECT = "raise _Fallback"
