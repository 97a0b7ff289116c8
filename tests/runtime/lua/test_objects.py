"""Lua objects with methods (lua/objects.py): what module objects look like to Lua code."""

from __future__ import annotations

import pytest
from wippy_runtime.errors import INVALID, CallError
from wippy_runtime.lua.objects import bad_argument, fail, lua_class, text_arg
from wippy_runtime.lua.state import LuaState


class Counter:
    def __init__(self) -> None:
        self.n = 0


@pytest.fixture
def state():
    s = LuaState()
    yield s
    s.close()


def test_methods_are_lua_functions_and_chain(state):
    def inc(c: Counter, by: int = 1, *_) -> object:
        c.n += by
        return cls.SELF

    cls = lua_class(state, "test.Counter", {"inc": inc, "get": lambda c, *_: c.n},
                    lambda c: f"Counter{{{c.n}}}")
    state.bind("c", cls.new(Counter()))
    out = state.lua.execute("""
        local same = c:inc(2):inc(3) == c
        return type(c.inc), same, c:get(), tostring(c), getmetatable(c)""")
    assert out == (b"function", True, 5, b"Counter{5}", False)
    assert lua_class(state, "test.Counter", {}, str) is cls  # one class per state and name


def test_wrong_receiver_is_a_clear_error_and_handles_are_private(state):
    cls = lua_class(state, "test.Box", {"get": lambda h, *_: h}, lambda h: "Box")
    state.bind("b", cls.new(41))
    ok, message = state.lua.execute("return pcall(function() return b.get() end)")
    assert ok is False and b"test.Box:get: call it as a method" in message
    assert state.lua.execute("local n = 0 for _ in pairs(b) do n = n + 1 end return n") == 0
    assert cls.unwrap(state.lua.execute("return b")) == 41
    assert cls.unwrap(state.lua.execute("return {}")) is None


def test_argument_helpers():
    assert text_arg("m.f", 1, "name", b"x") == "x"
    with pytest.raises(CallError, match=r"bad argument #2 to 'm.f' \(size: integer expected, "
                                        r"got string\)"):
        raise bad_argument("m.f", 2, "size", "integer", b"s")
    value, err = fail("m.f: nope", INVALID)
    assert value is None and err._retryable is False and err._message == "m.f: nope"
