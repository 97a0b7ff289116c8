"""The static checker: each rule rejects a chunk at the right line with Wippy's words, and each
near miss (what the rule must not take for an error) loads."""

from __future__ import annotations

import pytest
from wippy_runtime import Runtime
from wippy_runtime.errors import CompileError
from wippy_runtime.lua.state import LuaState
from wippy_runtime.lua.typed import TypeErrorMessage
from wippy_runtime.lua.typed.check import Problem, check
from wippy_runtime.lua.typed.parser import parse


def problem(src: str) -> Problem | None:
    return check(parse(src))


REJECTED = {
    # -- a value not assignable to a declared type
    "string literal to number": ('local x: number = "hello"', 1,
                                 "cannot assign string to number"),
    "number literal to string": ('\nlocal x: string = 42', 2,
                                 "cannot assign number to string"),
    "boolean to number": ("local x: number = true", 1, "cannot assign boolean to number"),
    "table to number": ("local x: number = {}", 1, "cannot assign table to number"),
    "function to string": ("local x: string = function() end", 1,
                           "cannot assign function to string"),
    "nil to non-optional": ("local x: number = nil", 1, "cannot assign nil to number"),
    "nil to a record": ("type P = {x: number}\nlocal p: P = nil", 2,
                        "cannot assign nil to P"),
    "not in a union": ("local x: number | string = true", 1,
                       "cannot assign boolean to number | string"),
    "table not in a union": ("local x: number | string | boolean = {}", 1,
                             "cannot assign table to number | string | boolean"),
    "other literal of a literal union": ('local c: "red" | "green" = "blue"', 1,
                                         'cannot assign string to "red" | "green"'),
    "through an alias": ('type Id = number\nlocal i: Id = "x"', 2,
                         "cannot assign string to Id"),
    "second of several locals": ('local a: number, b: string = 1, 2', 1,
                                 "cannot assign number to string"),
    "reassigned typed local": ('local x: number = 1\nx = "two"', 2,
                               "cannot assign string to number"),
    "typed local of a disjoint type": ('local n: number = 1\nlocal s: string = n', 2,
                                       "cannot assign number to string"),
    "optional result to non-optional": ("""
local function get(): number?
    return nil
end
local x: number = get()""", 5, "cannot assign number? to number"),
    "comparison to number": ("local x: number = 1 < 2", 1,
                             "cannot assign boolean to number"),
    # -- arithmetic
    "string literals": ('local x = "a" + "b"', 1,
                        "cannot perform arithmetic on string, expected number"),
    "string and number": ('local x = 1 +\n  "hello"', 2,
                          "cannot perform arithmetic on string, expected number"),
    "booleans": ("local x = true + false", 1,
                 "cannot perform arithmetic on boolean, expected number"),
    "typed string local": ('local s: string = "5"\nlocal n = s * 2', 2,
                           "cannot perform arithmetic on string, expected number"),
    "unary minus on a string": ('local x = -"a"', 1,
                                "cannot perform arithmetic on string, expected number"),
    "nested by precedence": ('local s = "a" .. 1 + true', 1,
                             "cannot perform arithmetic on boolean, expected number"),
    "string result of a local function": ("""
local function name(): string
    return "x"
end
local n = name() - 1""", 5, "cannot perform arithmetic on string, expected number"),
    "concatenating a boolean": ('local s = "a" .. true', 1,
                                "cannot concatenate boolean, expected string or number"),
    # -- calls
    "calling a number": ("local x: number = 42\nlocal y = x()", 2,
                         "expected function, got number"),
    "calling a string": ('local x: string = "hello"\nx()', 2,
                         "expected function, got string"),
    "calling a boolean parameter": ("local function f(b: boolean)\n  return b()\nend", 2,
                                    "expected function, got boolean"),
    "too few arguments": ("""
local function add(a: number, b: number): number
    return a + b
end
local x = add(1)""", 5, "not enough arguments (expected 2, got 1)"),
    "too many arguments": ("""
local function add(a: number, b: number): number
    return a + b
end
local x = add(1, 2, 3)""", 5, "too many arguments (expected 2, got 3)"),
    "a required parameter after an optional one": ("""
local function f(a: number?, b: string)
end
f()""", 4, "not enough arguments (expected 2, got 0)"),
    "wrong argument type": ("""
local function greet(name: string): string
    return "Hello " .. name
end
local x = greet(42)""", 5, "argument 1: expected string, got number"),
    # -- returns
    "wrong literal returned": ('local function f(): number\n    return "oops"\nend', 2,
                               "cannot return string, expected number"),
    "wrong second value": ('local function f(): (number, string)\n  return 1, 2\nend', 2,
                           "cannot return number at position 2, expected string"),
    "no return at all": ("local function f(): number\n    -- no return\nend", 1,
                         "missing return"),
    "empty return": ("local function f(): boolean\n  return\nend", 2, "missing return"),
    "a value short": ("local function f(): (number, string)\n  return 1\nend", 2,
                      "missing return value at position 2 (expected string)"),
    "no return in a method": ("local M = {}\nfunction M:get(): string\n  local x = 1\nend", 2,
                              "missing return"),
    "no return through an if": ("""
local function f(c: boolean): number
    if c then
        local x = 1
    else
        local y = 2
    end
end""", 2, "missing return"),
    # -- fields
    "unknown record field": ("""
type Person = { name: string, age: number }
local p: Person = { name = "Alice", age = 30 }
local x = p.unknown""", 4, "field 'unknown' does not exist on type Person"),
    "unknown field of a parameter": ("""
type P = {x: number}
local function f(p: P): number
    return p.y
end""", 4, "field 'y' does not exist on type P"),
    "field of a number": ("local x: number = 42\nlocal y = x.field", 2,
                          "cannot index type number"),
}


@pytest.mark.parametrize("name", list(REJECTED))
def test_rule_rejects_at_its_line(name):
    src, line, message = REJECTED[name]
    assert problem(src) == Problem(line, message)


ACCEPTED = {
    "nil to optional": "local x: number? = nil",
    "nil to a union with nil": "local x: number | nil = nil",
    "literal in a literal union": 'local c: "red" | "green" = "green"',
    "number to integer": "local i: integer = 1.5",
    "anything to any": 'local a: any = "x"\nlocal u: unknown = {}',
    "table to a record": "type P = {x: number}\nlocal p: P = {}",
    "string concatenation with a number": 'local s = "10" .. 1',
    "numbers": "local n: number = 1 + 2 * 3",
    "union local narrowed": 'local x: number | string = 1\nlocal y: number = x',
    "optional local narrowed": "local x: number? = 5\nlocal y = x + 1",
    "call of an unknown function": "local x: number = tonumber('1')",
    "untyped local called": "local f = load('return 1')\nlocal y = f()",
    "untyped literal local called": "local f = 1\nif false then f() end",
    "untyped local in arithmetic": 'local s = "1"\nlocal n = s + 1',
    "table in arithmetic": "local t: table = setmetatable({}, {})\nlocal x = t + 1",
    "cast value": 'local x: number = ("1" :: any) :: number',
    "a function ending in error": 'local function f(): number\n    error("x")\nend',
    "a function ending in any call": "local function f(): number\n    os.exit(1)\nend",
    "a loop that returns": ("local function f(): number\n  while true do\n"
                            "    return 1\n  end\nend"),
    "an endless loop": "local function f(): number\n  while true do end\nend",
    "every branch raises": ('local function f(c: boolean): number\n  if c then error("a")'
                            '\n  else error("b") end\nend'),
    "optional result, no return": "local function get(): number?\nend",
    "any result, no return": "local function get(): any\nend",
    "return of a call": "local function f(): number\n  return tonumber('1')\nend",
    "optional argument left out": ("local function f(a: number, b: string?)\nend\nf(1)"),
    "varargs": "local function f(a: number, ...: any)\nend\nf(1, 2, 3)",
    "arguments spread from a call": ("local function f(a: number, b: number)\nend\n"
                                     "f(table.unpack({1, 2}))"),
    "untyped parameter": "local function f(a: number, b)\nend\nf(1, 2, 3)",
    "reassigned local function": ("local function f(a: number)\nend\nf(1, 2)\n"
                                  "f = function(a, b) end"),
    "shadowed local function": ("local function f(a: number)\nend\ndo\n"
                                "  local function f(a, b) end\n  f(1, 2)\nend"),
    "generic function": ("local function id<T>(x: T): T\n  return x\nend\n"
                         "local s: string = id('a')"),
    "generic name that is also a type": ("type T = number\n"
                                         "local function id<T>(x: T): T\n  return x\nend\n"
                                         "local s: string = id('a')"),
    "inner function of a generic one": ("type T = number\nlocal function outer<T>(v: T)\n"
                                        "  local function inner(x: T): T\n    return x\n  end\n"
                                        "  local s: string = inner('a')\nend\nouter('a')"),
    "known field": ("type P = {name: string}\nlocal p: P = {name = 'a'}\n"
                    "local n = p.name"),
    "unknown field probed": ("type P = {name: string}\nlocal p: P = {name = 'a'}\n"
                             "if p.debug then end\nlocal d = p.debug or false\n"
                             "local e = p.extra == nil"),
    "fields written later": ("type P = {name: string}\nlocal p: P = {name = 'a'}\n"
                             "function p.greet() end\nlocal g = p.greet"),
    "record with an index signature": ("type P = {name: string, [string]: any}\n"
                                       "local p: P = {name = 'a'}\nlocal x = p.other"),
    "field of an intersection": ("type A = {a: number}\ntype B = {b: number}\n"
                                 "type AB = A & B\nlocal v: AB = {a = 1, b = 2}\n"
                                 "local b = v.b"),
    "field of an interface": ("interface Named\n  function name(self): string\nend\n"
                              "local n: Named = {}\nlocal f = n.other"),
    "field of an alias of an interface": ("interface Named\n  function name(self): string\n"
                                          "end\ntype N = Named\nlocal n: N = {}\n"
                                          "local f = n.other"),
    "a string where an interface is declared": ("interface Sized\n  function len(self): number"
                                                 "\nend\nlocal s: Sized = 'abc'"),
    "nested type of the same name": ("type P = {a: number}\ndo\n  type P = {b: number}\n"
                                     "  local p: P = {b = 1}\n  local x = p.b\nend"),
    "string methods": 'local s: string = "x"\nlocal u = s.upper(s)',
    "method on a number local": "local n: number = 1\nlocal ok = pcall(function() end)",
    "plain local later in scope": ("local x: number = 1\ndo\n  local x = print\n"
                                   "  x('hi')\nend"),
}


@pytest.mark.parametrize("name", list(ACCEPTED))
def test_near_miss_loads(name):
    assert problem(ACCEPTED[name]) is None


def test_first_error_by_line_is_reported():
    src = 'local a: number = 1\nlocal b: string = 2\nlocal c: number = "c"'
    assert problem(src) == Problem(2, "cannot assign number to string")


def test_type_error_is_a_compile_error_worded_as_lua_words_one():
    state = LuaState()
    fn, err = state.try_compile("local function f(): number\n  return 'x'\nend", "app:fn")
    assert fn is None
    assert isinstance(err, TypeErrorMessage)
    assert err == "app:fn:2: cannot return string, expected number"
    # plain Lua is never checked, and a syntax error is still one
    fn, err = state.try_compile('local x = "a" + 1', "plain")
    assert fn is not None
    fn, err = state.try_compile("local x: number = ", "typed")
    assert fn is None and not isinstance(err, TypeErrorMessage)


def test_loader_names_the_entry_and_line_and_keeps_going():
    rt = Runtime(cache_dir=False)
    try:
        bad = ("local function main(): number\n  local x: number = 'a'\n  return x\nend\n"
               "return { main = main }")
        with pytest.raises(CompileError) as info:
            rt.define({"id": "t:bad", "kind": "function.lua", "method": "main",
                       "source": bad})
        assert str(info.value).startswith("t:bad: Lua type error at line 2: "
                                          "cannot assign string to number")
        assert info.value.lua_line == 2
        good = ("local function main(): number\n  local x: number = 2\n  return x\nend\n"
                "return { main = main }")
        rt.define({"id": "t:good", "kind": "function.lua", "method": "main", "source": good})
        assert rt.call("t:good") == 2
    finally:
        rt.close()
