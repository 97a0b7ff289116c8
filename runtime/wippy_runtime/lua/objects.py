"""Lua objects with methods (a store, a database, a file, a snapshot...) and the argument and
error conventions the modules that hand them out share.

Why Lua tables and not the Python objects themselves: Wippy code checks `type(s.get) ==
"function"` and relies on `tostring(obj)`; a Python object exposed to Lua is userdata whose
methods are userdata too. So each class is a Lua metatable whose methods are Lua functions that
forward to Python with the object's handle. The handle lives in a weak table private to the
class, so Lua code can neither see nor forge it, and an object calling a method of another class
(or `obj.method()` without the colon) gets an error naming the method.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import INVALID, CallError
from .modules.errors import LuaErrorValue

_CLASS = r"""
local name, methods, describe = ...
local SELF = setmetatable({}, { __name = "SELF", __metatable = false })
local handles = setmetatable({}, { __mode = "k" })
local index = {}
local mt = { __index = index, __name = name, __metatable = false }
local function chain(self, first, ...)
  if first == SELF then return self, ... end
  return first, ...
end
for key, fn in pairs(methods) do
  local label = name .. ":" .. key
  index[key] = function(self, ...)
    local h = handles[self]
    if h == nil then
      error(label .. ": call it as a method, obj:" .. key .. "(...)", 2)
    end
    return chain(self, fn(h, ...))
  end
end
mt.__tostring = function(self) return describe(handles[self]) end
local function new(h)
  local obj = setmetatable({}, mt)
  handles[obj] = h
  return obj
end
local function unwrap(obj)
  if type(obj) ~= "table" then return nil end
  return handles[obj]
end
return new, unwrap, SELF
"""


class LuaClass:
    """One class in one Lua state: `new(handle)` makes an object, `unwrap(obj)` gives back the
    handle (None for anything that is not an object of this class); a method returning
    `SELF` first returns the object it was called on (for chaining)."""

    __slots__ = ("name", "new", "unwrap", "SELF")

    def __init__(self, name: str, new: Any, unwrap: Any, marker: Any) -> None:
        self.name = name
        self.new = new
        self.unwrap = unwrap
        self.SELF = marker


def lua_class(state: Any, name: str, methods: Mapping[str, Callable[..., Any]],
              describe: Callable[[Any], str]) -> LuaClass:
    """The class `name` of `state`, made on first use (methods receive the handle first)."""
    cache: dict[str, LuaClass] = state.__dict__.setdefault("_wippy_classes", {})
    cls = cache.get(name)
    if cls is None:
        lua = state.lua
        table = lua.table()
        for key, fn in methods.items():
            table[key.encode()] = fn
        new, unwrap, marker = lua.execute(
            _CLASS, name.encode(), table, lambda h: describe(h).encode("utf-8", "replace"))
        cls = cache[name] = LuaClass(name, new, unwrap, marker)
    return cls


def error_value(message: str, kind: str, **kw: Any) -> LuaErrorValue:
    """A Wippy error value; errors of built-in modules are never retryable."""
    kw.setdefault("retryable", False)
    return LuaErrorValue(message, kind, **kw)


def fail(message: str, kind: str, first: Any = None, **kw: Any) -> tuple[Any, LuaErrorValue]:
    """`first, err` as Wippy's modules return a failure (`nil, err` by default)."""
    return first, error_value(message, kind, **kw)


def lua_type(value: Any) -> str:
    """The Lua type name of a value as lupa hands it over (for argument errors)."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, bytes):
        return "string"
    import lupa.lua54 as lupa

    return lupa.lua_type(value) or type(value).__name__


def bad_argument(function: str, index: int, name: str, expected: str, value: Any) -> CallError:
    """The error for a wrong argument, naming the function and the argument (Lua's style)."""
    return CallError(f"bad argument #{index} to '{function}' ({name}: {expected} expected, got "
                     f"{lua_type(value)})", kind=INVALID)


def text_arg(function: str, index: int, name: str, value: Any) -> str:
    """A required string argument as text; raise naming the function and argument otherwise."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    raise bad_argument(function, index, name, "string", value)


def optional_text(function: str, index: int, name: str, value: Any) -> str | None:
    return None if value is None else text_arg(function, index, name, value)


def built(runtime: Any, entry_id: str) -> Any:
    """The built object of an entry (a Resource or Target), None when absent: the one place
    modules look entries up, so a change in how the Runtime keeps them is a change here."""
    return runtime.built.get(entry_id)
