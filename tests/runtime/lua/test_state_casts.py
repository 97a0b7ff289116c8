"""The primitive type names as casts: `integer(x)`, `number(x)`, `string(x)`, `boolean(x)`
in every Lua state, with `string` still the string library."""

from __future__ import annotations

import pytest
from wippy_runtime import CallError, Runtime


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()


def run(rt: Runtime, body: str):
    rt.define({"id": "t:cast", "kind": "function.lua", "method": "main",
               "source": f"return {{ main = function()\n{body}\nend }}"})
    return rt.call("t:cast")


def test_lossless_casts(rt):
    out = run(rt, """
      return { integer(3.0), math.type(integer(3.0)), integer("7"), math.type(integer("7")),
               integer(5), number("2.5"), number(4), string(12), string("a"), boolean(false),
               string.upper("x"), ("ab"):upper(), string.format("%d", 3) }""")
    assert out == [3, "integer", 7, "integer", 5, 2.5, 4, "12", "a", False, "X", "AB", "3"]


@pytest.mark.parametrize(("expr", "message"), [
    ("integer(1.5)", "cannot cast number 1.5 to integer"),
    ('integer("x")', 'cannot cast string "x" to integer'),
    ("number({})", "cannot cast table to number"),
    ("string(nil)", "cannot cast nil to string"),
    ("boolean(1)", "cannot cast number 1 to boolean"),
])
def test_a_lossy_cast_fails_at_the_callers_line(rt, expr, message):
    with pytest.raises(CallError) as info:
        run(rt, f"local x = 1\nlocal y = {expr}\nreturn y")
    assert f"t:cast:3: {message}" in str(info.value)


def test_a_cast_can_be_caught(rt):
    assert run(rt, "local ok, err = pcall(integer, 2.5) return {ok, err}") == [
        False, "cannot cast number 2.5 to integer"]


def test_table_create_is_an_empty_table_that_checks_its_sizes(rt):
    assert run(rt, "local t = table.create(3, 0) t[#t + 1] = 'a' return {#t, t[1]}") == [1, "a"]
    with pytest.raises(CallError, match="bad argument #1 to 'create'"):
        run(rt, "local t = table.create(-1)\nreturn t")
