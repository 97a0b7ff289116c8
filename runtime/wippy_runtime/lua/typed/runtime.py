"""Installs the runtime type library (types.lua) into a Lua state.

Lowered chunks reach it through one global; the library itself is loaded on first use (a state
that never runs typed code pays for an empty table, not for compiling the library).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from ...errors import INVALID
from ..modules.errors import LuaErrorValue
from .lowering import LIBRARY_GLOBAL

_SOURCE = (Path(__file__).with_name("types.lua")).read_text(encoding="utf-8")

# The global is a placeholder whose first field read compiles the library into it. Everything
# it uses is captured now, before any user code can replace a global.
_LAZY = r"""
local source, make_error, regex_match = ...
local load, assert, pairs, rawset, rawget, setmetatable = load, assert, pairs, rawset, rawget, setmetatable
local env = _ENV
local lib = {}
setmetatable(lib, { __index = function(t, k)
  setmetatable(t, nil)
  local library = assert(load(source, "=wippy-types", "t", env))(make_error, regex_match)
  for name, value in pairs(library) do rawset(t, name, value) end
  return rawget(t, k)
end })
return lib
"""


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


def install(lua: Any) -> None:
    """Bind the type library's global in `lua` (a lupa LuaRuntime)."""
    lib = lua.execute(_LAZY.encode("utf-8"), _SOURCE.encode("utf-8"), _make_error,
                      _regex_match)
    lua.globals()[LIBRARY_GLOBAL.encode()] = lib
