"""Lua <-> plain values, faithfully: integers stay integers, sequences stay arrays.

lupa runs with `encoding=None`, so Lua strings arrive as bytes; they become `str` when they are
valid UTF-8 and stay `bytes` otherwise (a `list<u8>` or binary payload must survive the trip).
A table with keys exactly 1..n becomes a list; any other table a dict; an empty table `{}`
(Wippy's rule: an empty table is an empty map, and list-typed WIT parameters accept it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import lupa.lua54 as lupa

_lua_type = lupa.lua_type
_LuaTable = type(lupa.LuaRuntime().table())
_SCALARS = (type(None), bool, int, float)
MAX_DEPTH = 128


class ConversionError(ValueError):
    pass


class LuaFace:
    """A Python value's face in one Lua state (a security Actor or Scope, whose methods build
    Lua tables and so need that state). Crossing to Python or another state it becomes its
    plain value again, and `to_lua` gives it a new face in the receiving state."""

    __slots__ = ("plain", "lua")

    def __init__(self, plain: Any, lua: Any) -> None:
        self.plain = plain
        self.lua = lua


#: plain type -> its LuaFace class (registered by the Lua modules that expose it)
LUA_FACES: dict[type, Callable[[Any, Any], LuaFace]] = {}


def to_plain(value: Any, _depth: int = 0, _seen: set[int] | None = None) -> Any:
    """A Lua value (as lupa hands it over) -> plain Python data."""
    t = type(value)
    if t in _SCALARS or t is str:
        return value
    if t is bytes:
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value
    if t is _LuaTable:
        if _depth > MAX_DEPTH:
            # lupa hands out a new wrapper per access, so a Lua cycle shows up as depth
            raise ConversionError(f"table nested deeper than {MAX_DEPTH} levels (or it "
                                  "contains a reference cycle)")
        seen = _seen if _seen is not None else set()
        key = id(value)
        if key in seen:
            raise ConversionError("table contains a reference cycle")
        seen.add(key)
        try:
            items = list(value.items())
            n = len(items)
            if n and all(type(k) is int for k, _ in items):
                keys = sorted(k for k, _ in items)
                if keys[0] == 1 and keys[-1] == n:
                    out_list = [None] * n
                    for k, v in items:
                        out_list[k - 1] = to_plain(v, _depth + 1, seen)
                    return out_list
            out: dict[Any, Any] = {}
            for k, v in items:
                if type(k) is bytes:
                    k = k.decode("utf-8", "surrogateescape")
                out[k] = to_plain(v, _depth + 1, seen)
            return out
        finally:
            seen.discard(key)
    if isinstance(value, (list, tuple, dict)):
        # Python containers (Runtime.call arguments) can be cyclic too; their ids are stable
        if _depth > MAX_DEPTH:
            raise ConversionError(f"value nested deeper than {MAX_DEPTH} levels")
        seen = _seen if _seen is not None else set()
        key = id(value)
        if key in seen:
            raise ConversionError(f"{type(value).__name__} contains a reference cycle")
        seen.add(key)
        try:
            if isinstance(value, dict):
                return {k: to_plain(v, _depth + 1, seen) for k, v in value.items()}
            return [to_plain(v, _depth + 1, seen) for v in value]
        finally:
            seen.discard(key)
    if isinstance(value, LuaFace):
        return value.plain
    kind = _lua_type(value)
    if kind == "function":
        raise ConversionError("a Lua function cannot be passed as a value")
    if kind == "thread":
        raise ConversionError("a Lua coroutine cannot be passed as a value")
    return value  # Python-side opaque objects (errors, handles) pass through unchanged


def plain_args(args: tuple) -> tuple:
    """Call arguments from Lua -> plain values (ConversionError for one with no plain form)."""
    return tuple([to_plain(a) for a in args])


def to_lua(lua: lupa.LuaRuntime, value: Any) -> Any:
    """Plain Python data -> a Lua value of `lua` (tables are built in that state)."""
    t = type(value)
    if t in _SCALARS or t is bytes:
        return value
    if t is str:
        return value.encode("utf-8", "surrogateescape")
    if t is list or t is tuple:
        return lua.table_from([to_lua(lua, v) for v in value])
    if t is dict:
        table = lua.table()
        for k, v in value.items():
            table[k.encode("utf-8", "surrogateescape") if type(k) is str else k] = to_lua(lua, v)
        return table
    if t is set or t is frozenset:
        table = lua.table()
        for k in value:
            table[k.encode() if type(k) is str else k] = True
        return table
    if t is bytearray:
        return bytes(value)
    face = LUA_FACES.get(t)
    if face is not None:
        return face(value, lua)
    if isinstance(value, LuaFace):
        return to_lua(lua, value.plain)
    return value
