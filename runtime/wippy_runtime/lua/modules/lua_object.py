"""Lua-side faces for Python values: real Lua functions and method tables.

A Python callable handed to lupa is a userdata, so `type(funcs.async)` would be "userdata" and
`type(future.cancel)` too, where Wippy code checks for "function". And a Python method called
from Lua cannot yield the calling coroutine (only a Lua frame can), so a method that waits for
a worker (`Executor:call`) needs a Lua wrapper that awaits the dispatcher's PENDING sentinel.
This module builds both, once per Lua state: `functions(state, table)` replaces each Python
callable in a module table by a Lua closure over it, and `wrapper(state, cls, name, awaited)`
returns a constructor that wraps an instance of `cls` in a Lua table whose methods are Lua
functions forwarding to the Python methods `cls` exposes (`@lua_methods`).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from ..exposed import exposed_methods

if TYPE_CHECKING:
    from ..state import LuaState

_GLUE = r"""
local await = ...
local setmetatable, tostring, error, rawget = setmetatable, tostring, error, rawget
local M = {}
function M.fn(f) return function(...) return f(...) end end
-- The Python object behind a face lives in a weak side table, never in the face itself,
-- and the metatable is locked: Lua code reaches exactly the listed methods (any other
-- field reads as nil; writing one is an error).
local hidden = setmetatable({}, { __mode = "k" })
function M.class(name, names, awaited)
  local methods = {}
  for i = 1, #names do
    local m = names[i]
    if awaited[m] then
      methods[m] = function(self, ...) return await(hidden[self][m](...)) end
    else
      methods[m] = function(self, ...) return hidden[self][m](...) end
    end
  end
  -- an unknown field reads as nil, as on Wippy's userdata (`obj.message or tostring(obj)`)
  local mt = {
    __index = methods,
    __newindex = function(_, k) error("access denied: " .. tostring(k), 2) end,
    __name = name,
    __tostring = function(self) return tostring(hidden[self]) end,
    __metatable = false,
  }
  return function(py)
    local face = setmetatable({}, mt)
    hidden[face] = py
    return face
  end
end
function M.unwrap(face) return hidden[face] end
return M
"""

_glue: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _state_glue(state: LuaState) -> Any:
    glue = _glue.get(state)
    if glue is None:
        await_ = state.await_ if state.await_ is not None else state.lua.eval(
            "function(...) return ... end")
        glue = _glue[state] = {"m": state.lua.execute(_GLUE, await_), "classes": {},
                               "type": state.lua.eval("type")}
    return glue


def function(state: LuaState, fn: Any) -> Any:
    """`fn` as a Lua function (type "function"), one Lua frame around the Python call."""
    return _state_glue(state)["m"][b"fn"](fn)


def functions(state: LuaState, table: Any) -> Any:
    """Replace every Python callable field of a Lua table by a Lua function; returns it."""
    lua_type = _state_glue(state)["type"]
    for key, value in list(table.items()):
        if callable(value) and lua_type(value) == b"userdata":
            table[key] = function(state, value)
    return table


def unwrap(state: LuaState, value: Any) -> Any:
    """The Python object behind a face made by `wrapper` (None for anything else)."""
    return _state_glue(state)["m"][b"unwrap"](value)


def wrapper(state: LuaState, cls: type, name: str, awaited: tuple[str, ...] = ()) -> Any:
    """A Lua function `py -> object` giving instances of `cls` Lua-function methods; the
    `awaited` ones may return PENDING and then yield the calling coroutine."""
    glue = _state_glue(state)
    ctor = glue["classes"].get(cls)
    if ctor is None:
        lua = state.lua
        names = lua.table_from([n.encode() for n in sorted(exposed_methods(cls))])
        marks = lua.table_from({n.encode(): True for n in awaited})
        ctor = glue["classes"][cls] = glue["m"][b"class"](name.encode(), names, marks)
    return ctor
