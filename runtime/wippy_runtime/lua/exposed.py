"""The only Python objects Lua code may touch, and exactly which methods it may call.

lupa lets Lua index any Python object it is handed, which would reach `__class__`,
`__globals__` and from there the whole interpreter. The attribute filter installed on every
state denies everything except the methods registered here, so the objects we hand to Lua
(errors, later futures, channels, actors) expose their Wippy API and nothing else.
"""

from __future__ import annotations

import keyword
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
