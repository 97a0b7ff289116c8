"""Python objects as Lua sees them (lua/exposed.py): only registered methods, each one Lua
function per state, shared by every lookup."""

from __future__ import annotations

import pytest
from wippy_runtime.lua.exposed import lua_methods
from wippy_runtime.lua.state import LuaState


@lua_methods("value", "add", "from")
class Box:
    def __init__(self, v: int) -> None:
        self.v = v
        self.secret = "hidden"

    def value(self) -> int:
        return self.v

    def add(self, n: int) -> int:
        return self.v + n

    def from_(self) -> str:  # a Wippy method named like a Python keyword
        return "from"


@lua_methods("value")
class Other:
    def value(self) -> int:
        return -1


@pytest.fixture
def state():
    s = LuaState()
    yield s
    s.close()


def run(state: LuaState, code: str, *args):
    return state.lua.eval(f"function(...) {code} end")(*args)


def test_a_method_is_one_function_for_every_lookup(state):
    # the same value every time, for every instance: a lookup allocates nothing
    assert run(state, "local a, b = ... return type(a.value), rawequal(a.value, a.value), "
                      "rawequal(a.value, b.value), rawequal(a.value, a.add)",
               Box(1), Box(2)) == (b"function", True, True, False)


def test_colon_and_explicit_self_calls(state):
    assert run(state, "local a = ... return a:value(), a:add(2), a.add(a, 3), a:from()",
               Box(5)) == (5, 7, 8, "from")
    # a method read once and called later, on another instance of the class
    assert run(state, "local a, b = ... local f = a.value return f(b)", Box(1), Box(9)) == 9


@pytest.mark.parametrize("code, got", [
    ("local a = ... return a.value()", "got nil"),
    ("local a = ... return a.add(2)", "got number"),
    ("local a, o = ... return a.value(o)", "got Other"),
    ("local a = ... return a.value({})", "got table"),
])
def test_a_method_called_without_its_object_says_so(state, code, got):
    fn = state.lua.eval(f"function(...) return pcall(function(...) {code} end, ...) end")
    ok, err = fn(Box(1), Other())
    assert ok is False
    assert isinstance(err, TypeError)
    name = "add" if "add" in code else "value"
    assert str(err) == (f"bad argument #1 to '{name}' (Box expected, {got}; call it as "
                        f"obj:{name}(...))")


@pytest.mark.parametrize("expr", ["a.secret", "a.v", "a.__class__", "a.nothing", "a[1]"])
def test_anything_but_a_registered_method_is_denied(state, expr):
    ok, err = run(state, f"local a = ... return pcall(function() return {expr} end)", Box(1))
    assert ok is False and "access denied" in str(err)


def test_python_objects_cannot_be_written(state):
    ok, err = run(state, "local a = ... return pcall(function() a.value = 1 end)", Box(1))
    assert ok is False and "access denied" in str(err)
