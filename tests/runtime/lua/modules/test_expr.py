"""The `expr` module from real Lua: eval and compiled programs over Lua tables, results back as
Lua values (integers stay integers), Wippy's INVALID/INTERNAL errors, and Lua functions in the
env callable from the expression."""

from __future__ import annotations

from lua_modules_helpers import ERR
from wippy_runtime.errors import INTERNAL, INVALID


def test_eval_and_programs_over_lua_data(run):
    out = run("""
local p = expr.compile("filter(items, .price > limit)")
local cheap = p:run({ items = { {name = "a", price = 5}, {name = "b", price = 50} }, limit = 10 })
local again = p:run({ items = { {name = "c", price = 99} }, limit = 1 })
return { sum = expr.eval("a + b", { a = 2, b = 3 }), int = math.type(expr.eval("7 - 1")), div = expr.eval("7 / 2"), names = expr.eval("map(xs, upper(#))",
           { xs = { "x", "y" } }), cheap = cheap[1].name, n = #cheap, again = again[1].name,
         map = expr.eval("{k: [1, 2]}").k[2], nothing = expr.eval("nil") == nil,
         call = expr.eval("double(21)", { double = function(x) return x * 2 end }),
         kind = type(p.run) }
""", ["expr"])
    assert out == {"sum": 5, "int": "integer", "div": 3.5, "names": ["X", "Y"], "cheap": "b",
                   "n": 1, "again": "c", "map": 2, "nothing": True, "call": 42,
                   "kind": "function"}


def test_errors_are_wippy_shaped_and_name_the_expression(run):
    out = run(ERR + """
local r1, e1 = expr.eval("")
local r2, e2 = expr.eval("1 +")
local p3, e3 = expr.compile("   ")
local r4, e4 = expr.compile("x + y"):run({ x = 1 })
local p5, e5 = expr.compile("value + other", { value = 1 })
local r6, e6 = expr.eval("'a' + 1")
local r7, e7 = expr.eval("f()", { f = function() error("boom") end })
local r8, e8 = expr.eval("1", "not a table")
return { e1 = e(e1), e2 = e(e2), e3 = e(e3), e4 = e(e4), e5 = e(e5), e6 = e(e6), e7 = e(e7),
         e8 = e(e8), nils = r1 == nil and r2 == nil and p3 == nil and r4 == nil and p5 == nil,
         still = expr.eval("1 + 1") }
""", ["expr"])
    assert out["nils"] is True and out["still"] == 2
    assert out["e1"]["kind"] == INVALID and out["e3"]["kind"] == INVALID
    assert out["e8"]["kind"] == INVALID
    for key in ("e2", "e4", "e5", "e6", "e7"):
        assert out[key]["kind"] == INTERNAL and out[key]["retryable"] is False, key
    assert "'1 +'" in out["e2"]["message"] and "syntax error" in out["e2"]["message"]
    assert "nil" in out["e4"]["message"] and "unknown name other" in out["e5"]["message"]
    assert "string + int" in out["e6"]["message"] and "boom" in out["e7"]["message"]
