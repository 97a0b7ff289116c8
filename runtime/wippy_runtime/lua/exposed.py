"""The only Python objects Lua code may touch, and exactly which methods it may call.

lupa lets Lua index any Python object it is handed, which would reach `__class__`,
`__globals__` and from there the whole interpreter. The attribute filter installed on every
state denies everything except the methods registered here, so the objects we hand to Lua
(errors, later futures, channels, actors) expose their Wippy API and nothing else.

`Methods` is that filter as lupa's attribute handlers, and also how a method reaches Lua:
Wippy's userdata methods are Lua functions taking the object first (`type(err.kind) ==
"function"`, `err:kind()`), so each registered method of a class is one Lua function per
state, made on first use and handed out on every lookup after that. A lookup allocates
nothing (it used to wrap a fresh bound method in a fresh closure on every `obj:m()`, the bulk
of a method call's cost: bench/bench_lua_methods.py).
"""

from __future__ import annotations

import inspect
import keyword
import types
from collections.abc import Callable
from typing import Any

_ALLOWED: dict[type, frozenset[str]] = {}
_KEYWORDS = frozenset(keyword.kwlist)


def lua_methods(*names: str):
    """Class decorator: these methods are callable from Lua as `obj:name(...)`."""

    def register(cls: type) -> type:
        _ALLOWED[cls] = frozenset(names)
        return cls

    return register


def exposed_methods(cls: type) -> frozenset[str]:
    """The names registered for `cls` with `lua_methods` (empty if none)."""
    return _ALLOWED.get(cls, frozenset())


def attribute_filter(obj: Any, name: Any, is_setting: bool) -> str:
    if isinstance(name, bytes):
        name = name.decode("utf-8", "replace")
    allowed = _ALLOWED.get(type(obj))
    if allowed is not None and not is_setting and name in allowed:
        # a Wippy method named like a Python keyword (`msg:from()`) is `from_` in Python
        if name in _KEYWORDS and not hasattr(type(obj), name):
            return name + "_"
        return name
    raise AttributeError(f"access denied: {name}")


#: Lua type names of the Python values lupa hands over (for "bad argument" messages)
_LUA_TYPES = {type(None): "nil", bool: "boolean", int: "number", float: "number",
              bytes: "string", str: "string"}


def _lua_type_name(value: Any) -> str:
    name = _LUA_TYPES.get(type(value))
    if name is not None:
        return name
    return "table" if type(value).__name__ == "_LuaTable" else type(value).__name__


def _caller(cls: type, attr: str, lua_name: str) -> Callable[..., Any]:
    """The Python side of method `lua_name` of `cls`: checks that the first argument is an
    instance (what `obj:m()` passes; `obj.m()` passes none) and calls the method."""
    static = inspect.getattr_static(cls, attr)
    method = static if isinstance(static, types.FunctionType) else None
    expected = cls.__name__

    def call(obj: Any = None, *args: Any) -> Any:
        if type(obj) is not cls:
            raise TypeError(f"bad argument #1 to '{lua_name}' ({expected} expected, got "
                            f"{_lua_type_name(obj)}; call it as obj:{lua_name}(...))")
        if method is not None:
            return method(obj, *args)
        return getattr(obj, attr)(*args)

    return call


class Methods:
    """lupa attribute handlers for one Lua state: the filter above, and each allowed method
    as one Lua function (made once per class and name, then shared by every lookup)."""

    def __init__(self) -> None:
        self._functions: dict[tuple[type, Any], Any] = {}
        self._wrap: Any = None

    def bind(self, lua: Any) -> None:
        """Give the handlers their state (they are passed to its constructor before it is
        made)."""
        self._wrap = lua.eval("function(call) return function(...) return call(...) end end")

    def get(self, obj: Any, name: Any) -> Any:
        fn = self._functions.get((type(obj), name))
        if fn is not None:
            return fn
        attr = attribute_filter(obj, name, False)  # raises for anything not allowed
        cls = type(obj)
        if not callable(inspect.getattr_static(cls, attr, None)):
            return getattr(obj, attr)  # a plain attribute, as it is
        lua_name = name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)
        fn = self._functions[(cls, name)] = self._wrap(_caller(cls, attr, lua_name))
        return fn

    @staticmethod
    def set(obj: Any, name: Any, _value: Any) -> None:
        attribute_filter(obj, name, True)  # raises: Lua sets nothing on Python objects
