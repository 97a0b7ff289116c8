"""Installs the runtime type library (types.lua) into a Lua state.

Lowered chunks that declare types reach it through one global. It is installed when the first
such chunk is compiled in a state (typed/__init__.py), so the many states that never see a
type declaration (most pool instances, plain Lua) never pay for compiling it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from ...errors import INVALID
from ..modules.errors import LuaErrorValue
from .lowering import LIBRARY_GLOBAL

_SOURCE_BYTES = (Path(__file__).with_name("types.lua")).read_bytes()
_GLOBAL = LIBRARY_GLOBAL.encode()


def _make_error(message: bytes) -> LuaErrorValue:
    return LuaErrorValue(message.decode("utf-8", "replace"), INVALID)


@lru_cache(maxsize=256)
def _regex(pattern: bytes) -> re.Pattern[bytes]:
    # @pattern takes Go (RE2) regular expressions; Python's agree on the common subset, `\z`
    # (end of text) being the one spelling that differs.
    return re.compile(pattern.replace(rb"\z", rb"\Z"))


def _regex_match(pattern: bytes, text: bytes) -> bool:
    try:
        return _regex(pattern).search(text) is not None
    except re.error:
        return False


def install(lua: Any, load: Callable[[bytes, bytes], Any]) -> None:
    """Bind the type library's global in `lua` (a lupa LuaRuntime) once; `load` is the state's
    raw loader (it names the chunk, so the library's own frames read "wippy-types:LINE")."""
    g = lua.globals()
    if g[_GLOBAL] is None:
        out = load(_SOURCE_BYTES, b"=wippy-types")
        fn = out[0] if type(out) is tuple else out
        g[_GLOBAL] = fn(_make_error, _regex_match)
