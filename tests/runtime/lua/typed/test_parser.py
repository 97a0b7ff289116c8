"""The parser's program tree (what the checker reads): Lua's precedence and associativity,
calls and fields, function signatures, statements, and the line of each node."""

from __future__ import annotations

import pytest
from wippy_runtime.lua.typed import tree as t
from wippy_runtime.lua.typed.parser import parse


def value(src: str) -> t.Node:
    """The value of `local _ = <src>`."""
    (stat,) = parse(f"local _ = {src}").tree
    assert type(stat) is t.Local
    return stat.values[0]


def shape(e: t.Node) -> str:
    """An expression fully parenthesised, to compare groupings."""
    if type(e) is t.Binary:
        return f"({shape(e.left)} {e.op} {shape(e.right)})"
    if type(e) is t.Unary:
        return f"({e.op} {shape(e.operand)})"
    if type(e) is t.Literal:
        return e.src
    if type(e) is t.Name:
        return e.name
    if type(e) is t.Paren:
        return shape(e.inner)
    if type(e) is t.Cast:
        return f"cast {shape(e.inner)}"
    if type(e) is t.Call:
        args = ", ".join(map(shape, e.args))
        return f"{shape(e.fn)}{':' + e.method if e.method else ''}({args})"
    if type(e) is t.Index:
        return f"{shape(e.obj)}.{e.field}" if e.field else f"{shape(e.obj)}[{shape(e.key)}]"
    return type(e).__name__


@pytest.mark.parametrize(("src", "expected"), [
    ("1 + 2 * 3", "(1 + (2 * 3))"),
    ("1 - 2 - 3", "((1 - 2) - 3)"),
    ('"a" .. "b" .. "c"', '("a" .. ("b" .. "c"))'),
    ("2 ^ 3 ^ 2", "(2 ^ (3 ^ 2))"),
    ("-x ^ 2", "(- (x ^ 2))"),
    ("not a == b", "((not a) == b)"),
    ("a or b and c", "(a or (b and c))"),
    ('"a" .. 1 + 2', '("a" .. (1 + 2))'),
    ("a < b == c", "((a < b) == c)"),
    ("1 | 2 ~ 3 & 4 << 5", "(1 | (2 ~ (3 & (4 << 5))))"),
    ("#t + 1", "((# t) + 1)"),
    ("x as number + 1", "(cast x + 1)"),
    ("a.b[c]:d(1)(2)", "a.b[c]:d(1)(2)"),
    ('f "s"', 'f("s")'),
    ("f {}", "f(Table)"),
    ("o:m::<T>(1)", "o:m(1)"),
    ("f::<T>(1)", "f(1)"),
])
def test_expression_grouping(src, expected):
    assert shape(value(src)) == expected


def test_statements_and_lines():
    src = """local a: number, b = 1
function M.x:y(p: string, ...): (boolean, string?)
  if a then return true elseif b then return false else error("e") end
end
for i: integer = 1, 10 do end
for k, v in pairs(t) do end
repeat local z = 1 until z
x, y.f = 1, 2
print(a)
type P = {x: number}
goto done
::done::"""
    stats = parse(src).tree
    kinds = [type(s).__name__ for s in stats]
    assert kinds == ["Local", "FunctionStat", "For", "For", "Repeat", "Assign", "CallStat",
                     "TypeStat", "Goto", "Simple"]
    assert [s.line for s in stats] == [1, 2, 5, 6, 7, 8, 9, 10, 11, 12]
    local = stats[0]
    assert [n for n, _ in local.names] == ["a", "b"]
    assert local.names[0][1].name == "number" and local.names[1][1] is None
    fn = stats[1].func
    assert fn.method and [n for n, _ in fn.params] == ["p"] and fn.vararg
    assert [r.kind for r in fn.returns] == ["prim", "optional"]
    (if_stat,) = fn.body
    assert type(if_stat) is t.If and len(if_stat.tests) == 2 and if_stat.orelse is not None
    assert type(if_stat.tests[0][1][0]) is t.Return and if_stat.line == 3
    assert stats[2].numeric and stats[2].names[0][1].name == "integer"
    assert not stats[3].numeric and [n for n, _ in stats[3].names] == ["k", "v"]
    assert stats[7].decl.name == "P"


def test_generic_function_and_lines_of_a_multiline_expression():
    (stat,) = parse("local function id<T>(x: T): T\n  return x\nend").tree
    assert type(stat) is t.LocalFunction and stat.func.generics == ["T"]
    e = value('1 +\n  "two"')
    assert e.line == 1 and e.left.line == 1 and e.right.line == 2  # the operator's line
