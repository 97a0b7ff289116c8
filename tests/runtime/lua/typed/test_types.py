"""Runtime type values: `X:is(v)` is `v, nil` when v conforms, `nil, err` when it does not, and
err (a Wippy error of kind Invalid) names the failing field or rule."""

from __future__ import annotations

import pytest
from wippy_runtime.errors import INVALID
from wippy_runtime.lua.modules.errors import LuaErrorValue
from wippy_runtime.lua.state import LuaState

DECLS = """
type Point = {x: number, y: number}
type ID = string @min_len(3) @max_len(5)
type UserID = ID
type Role = "admin" | "user"
type Roles = {Role} @min_len(1)
type Port = integer @min(1) @max(65535)
type Email = string @pattern("^.+@.+\\\\..+$")
type Scores = {[string]: number @min(0)}
type Named = {name: string}
type Aged = {age: number}
type Person = Named & Aged
type Box<T> = {value: T}
type Pair<A, B> = {a: A, b: B}
type BoxedPair = Box<Pair<string, number>>
type Handler = (string) -> (boolean, string?)
type Flag = true
type Three = 3
type Account = {id: UserID, roles: readonly Roles, note?: string @min_len(2), [string]: any}
local sample: {name: string, tags: {string}} = {name = "a", tags = {}}
type Sample = typeof(sample)
local guessed = {n = 1}
type Guessed = typeof(guessed)
return {
  Point = Point, ID = ID, UserID = UserID, Role = Role, Roles = Roles, Port = Port,
  Email = Email, Scores = Scores, Person = Person, Box = Box, Pair = Pair,
  BoxedPair = BoxedPair, Handler = Handler, Flag = Flag, Three = Three, Account = Account,
  Sample = Sample, Guessed = Guessed,
}
"""

PASS = [
    ("Point", "{x = 1, y = 2.5}"),
    ("Point", "{x = 1, y = 2, extra = true}"),
    ("ID", '"abc"'), ("UserID", '"abcde"'),
    ("Roles", '{"admin", "user"}'),
    ("Port", "8080"), ("Port", "1"),
    ("Email", '"a@b.co"'),
    ("Scores", "{math = 1, art = 0}"), ("Scores", "{}"),
    ("Person", '{name = "n", age = 3}'),
    ("Box", "{value = {}}"),
    ("BoxedPair", '{value = {a = "x", b = 1}}'),
    ("Handler", "function() end"),
    ("Flag", "true"), ("Three", "3"),
    ("Account", '{id = "abc", roles = {"user"}, other = 1}'),
    ("Sample", '{name = "b", tags = {"t"}}'),
    ("Guessed", "{n = 5}"),
]

FAIL = [
    ("Point", "{x = 1}", 'missing required field "y"'),
    ("Point", '{x = 1, y = "2"}', 'y: expected number, got "2"'),
    ("Point", "5", "expected Point, got number 5"),
    ("Point", 'errors.new("host object")', "expected Point, got userdata"),
    ("ID", '"ab"', "length 2 is less than min_len 3"),
    ("UserID", '"abcdef"', "length 6 exceeds max_len 5"),
    ("ID", "12", "expected string, got number 12"),
    ("Role", '"root"', 'expected "admin" | "user", got "root"'),
    ("Roles", "{}", "length 0 is less than min_len 1"),
    ("Roles", '{"admin", "root"}', '[2]: expected "admin" | "user", got "root"'),
    ("Roles", '{a = "admin"}', 'got a table with key "a"'),
    ("Port", "0", "value 0 is less than minimum 1"),
    ("Port", "70000", "value 70000 exceeds maximum 65535"),
    ("Port", "1.5", "expected integer, got number 1.5"),
    ("Email", '"invalid"', '"invalid" does not match pattern'),
    ("Scores", "{math = -1}", "math: value -1 is less than minimum 0"),
    ("Scores", "{[1] = 3}", "key 1: expected string, got number 1"),
    ("Person", '{name = "n"}', 'missing required field "age"'),
    ("BoxedPair", '{value = {a = 2, b = 1}}', "value.a: expected string, got number 2"),
    ("Handler", "{}", "expected function, got table"),
    ("Flag", "false", "expected true, got boolean false"),
    ("Three", "2", "expected 3, got number 2"),
    ("Account", '{id = "abc", roles = {"user"}, note = "x"}',
     "note: length 1 is less than min_len 2"),
    ("Sample", '{name = 1, tags = {}}', "name: expected string, got number 1"),
]


@pytest.fixture(scope="module")
def types():
    state = LuaState()
    (table,) = state.call(state.compile(DECLS, "decls", entry="t:decls"))
    return state, table


def check(types, name: str, value: str):
    state, table = types
    fn = state.compile(f"local T, v = ... return T:is({value})", "is", entry="t:is")
    return state.call(fn, table[name.encode()], None)


@pytest.mark.parametrize(("name", "value"), PASS)
def test_conforming_value_is_returned_with_nil_error(types, name, value):
    state, _ = types
    got, err = check(types, name, value)
    assert err is None and got is not None


@pytest.mark.parametrize(("name", "value", "message"), FAIL)
def test_violation_returns_nil_and_an_error_naming_it(types, name, value, message):
    got, err = check(types, name, value)
    assert got is None
    assert isinstance(err, LuaErrorValue) and err._kind == INVALID
    assert message in err._message, err._message


def test_optional_values_and_nil(types):
    state, _ = types
    fn = state.compile("""
type MaybeN = number?
type Opt = {a?: number, b: number?}
local a, ea = MaybeN:is(nil)
local b, eb = Opt:is({})
local c, ec = Opt:is({a = "x"})
return ea == nil, b ~= nil and eb == nil, c == nil and tostring(ec)
""", "opt", entry="t:opt")
    assert state.call(fn) == (True, True, b'a: expected number, got "x"')


def test_types_exported_by_one_library_are_used_by_another(runtime, write_app):
    app = write_app({
        "_index.yaml": """namespace: app
entries:
  - name: inner
    kind: library.lua
    source: file://inner.lua
  - name: outer
    kind: library.lua
    source: file://outer.lua
    imports: {inner: app:inner}
  - name: main
    kind: function.lua
    source: file://main.lua
    method: main
    imports: {inner: app:inner, outer: app:outer}
""",
        "inner.lua": """
export type Flag = "hot" | "cold"
type Inner = {id: string @min_len(2), flags: {Flag} @min_len(1)}
local function make(id: string, flags: {Flag}): Inner
    return ({id = id, flags = flags} as Inner)
end
return { Inner = Inner, make = make }
""",
        "outer.lua": """
local inner = require("inner")
type Outer = {inner: inner.Inner, label: string @max_len(4)}
return { Outer = Outer, Inner = inner.Inner }
""",
        "main.lua": """
local inner = require("inner")
local outer = require("outer")
local function main(): {string}
    local out = {}
    local ok = outer.Outer:is({inner = inner.make("ab", {"hot"}), label = "x"})
    out[1] = ok and "ok" or "bad"
    local _, err = outer.Outer:is({inner = {id = "ab", flags = {"warm"}}, label = "x"})
    out[2] = tostring(err)
    local _, err2 = outer.Inner:is({id = "a", flags = {"hot"}})
    out[3] = tostring(err2)
    local _, err3 = inner.Flag:is("warm")  -- exported, though not in the returned table
    out[4] = tostring(err3)
    return out
end
return { main = main }
""",
    })
    report = runtime.load(app)
    assert report.errors == []
    assert runtime.call("app:main") == [
        "ok",
        'inner.flags[1]: expected "hot" | "cold", got "warm"',
        "id: length 1 is less than min_len 2",
        'expected "hot" | "cold", got "warm"',
    ]


def test_unknown_type_is_reported_when_checked():
    state = LuaState()
    fn = state.compile("type T = {m: Missing}\nlocal _, e = T:is({m = 1}) return tostring(e)",
                       "u", entry="t:u")
    assert state.call(fn) == (b"m: unknown type Missing",)


def test_library_is_installed_by_the_first_chunk_that_declares_a_type():
    state = LuaState()
    state.call(state.compile("local x: number = 1\nreturn x", "a", entry="t:a"))
    assert state.globals[b"__wippy_types"] is None
    state.call(state.compile("type A = number\nreturn A:is(1)", "b", entry="t:b"))
    lib = state.globals[b"__wippy_types"]
    assert lib[b"record"] is not None
    lib[b"probe"] = 1
    state.call(state.compile("type B = string\nreturn B:is('x')", "c", entry="t:c"))
    assert state.globals[b"__wippy_types"][b"probe"] == 1  # installed once per state
