"""The front end on each construct of the dialect: the lowered chunk runs as the typed source
means, and keeps its lines (an error on line N of a typed file says line N)."""

from __future__ import annotations

import pytest
from wippy_runtime.errors import CallError, CompileError
from wippy_runtime.lua.state import LuaState
from wippy_runtime.lua.typed import lower
from wippy_runtime.lua.typed.tokens import LuaSyntaxError


@pytest.fixture
def state() -> LuaState:
    return LuaState()


def run(state: LuaState, src: str, *args):
    fn = state.compile(src, "typed", entry="t:typed")
    return state.call(fn, *args, entry="t:typed")


def same_lines(src: str) -> str:
    out = lower(src)
    assert out.count("\n") == src.count("\n")
    return out


CONSTRUCTS = {
    "local annotations": ("""
local x: number = 40
local s: string?, n: integer = "a", 2
return x + n, s
""", (42, b"a")),
    "parameters, varargs and returns": ("""
local function f(a: number, b: {number}?, ...: any): (string, error?)
    return tostring(a + #(b or {}) + select("#", ...)), nil
end
return f(1, {1, 2}, "x", "y")
""", (b"5", None)),
    "method with self and a function type": ("""
local M = {}
function M.apply(self, f: (number) -> number, x: number): number
    return f(x)
end
return M:apply(function(v: number): number return v * 3 end, 5)
""", (15,)),
    "generic function": ("""
local function first<T>(arr: {T}): T?
    return arr[1]
end
local function pair<K, V>(k: K, v: V): {key: K, value: V}
    return {key = k, value = v}
end
return first({7, 8}), pair("a", 1).value
""", (7, 1)),
    "casts pass the value through": ("""
local x: any = 42
local y = x as number
local z = (x :: any) :: string
local t = ({value = 1} as {value: number}).value
return y + 1, z, t
""", (43, 42, 1)),
    "non-nil assertion": ("""
local t = {v = 3}
return t.v! + 1
""", (4,)),
    "multi-line type declaration": ("""
type Config = {
    host: string,
    port: number @min(1) @max(65535),
    debug?: boolean
}
local ok = Config:is({host = "h", port = 80})
return ok ~= nil, debuginfo
""", (True, None)),
    "type and as stay ordinary names": ("""
local as = 2
local t = {type = "x"}
local function type_of(v) return type(v) end
as = as + 1
return as, t.type, type_of(1)
""", (3, b"x", b"number")),
    "Lua 5.4 attributes": ("""
local n <const>: number = 5
local m: number <const> = 6
local closed = {}
do
    local h: {} <close> = setmetatable({}, {__close = function() closed[1] = true end})
end
return n + m, closed[1]
""", (11, True)),
    "for loop names": ("""
local total = 0
for i: integer = 1, 3 do total = total + i end
for k: string, v: number in pairs({a = 1}) do total = total + v end
return total
""", (7,)),
    "export type and a type used before its declaration": ("""
local function check(v) return Later:is(v) end
export type Later = {n: number}
return check({n = 1}) ~= nil, (check({}))
""", (True, None)),
    "recursive type": ("""
type Node = {value: number, next?: Node}
local ok = Node:is({value = 1, next = {value = 2}})
local bad, err = Node:is({value = 1, next = {value = "x"}})
return ok ~= nil, bad, tostring(err)
""", (True, None, b"next.value: expected number, got \"x\"")),
    "interface declaration": ("""
interface Named
    function name(self): string
end
interface Greeter: Named
    function greet(self, other: string): (string, error?)
end
local g = {name = function() return "g" end, greet = function(_, o) return "hi " .. o end}
local ok = Greeter:is(g)
local bad, err = Greeter:is({name = g.name})
return ok ~= nil, bad, tostring(err)
""", (True, None, b'missing required field "greet"')),
    "explicit type arguments of calls": ("""
local function id(x) return x end
local o = {m = function(_, v) return v * 2 end}
return id::<number>(4), o:m::<number>(5)
""", (4, 10)),
}


@pytest.mark.parametrize("name", sorted(CONSTRUCTS))
def test_construct_lowers_and_runs(state, name):
    src, expected = CONSTRUCTS[name]
    same_lines(src)
    assert run(state, src) == expected


def test_annotations_are_blanked_in_place():
    src = "local function f(a: number, b: string): boolean\n  return a\nend\n"
    out = lower(src)
    assert out.splitlines()[0] == "local function f(a        , b        )         "
    assert out.splitlines()[1:] == src.splitlines()[1:]


def test_export_type_joins_the_returned_module_table(state):
    src = "export type A = number\nlocal M = {}\nreturn M"
    out = same_lines(src)
    assert out.endswith("return __wippy_T.exports({A = A}, M)")
    (m,) = run(state, src)
    assert m[b"A"] is not None


def test_attributes_are_kept_and_still_checked(state):
    assert "<const>" in lower("local m: number <const> = 6\nreturn m")
    fn, err = state.try_compile("local m: number <const> = 6\nm = 7", "c")
    assert fn is None and err == "c:2: attempt to assign to const variable 'm'"


def test_plain_lua_is_not_touched():
    src = "local t = {a = 1}\nreturn t.a\n"
    assert lower(src) == src


def test_runtime_error_names_the_typed_line(state):
    src = "\n".join(["type P = {x: number}", "local function f(a: number): number"]
                    + ["  local v: number = a"] * 14
                    + ["  error('boom')", "end", "return f(1)"])
    assert src.splitlines()[16] == "  error('boom')"  # line 17
    with pytest.raises(CallError, match=r"typed:17: boom"):
        run(state, src)


def test_syntax_error_after_annotations_reports_its_own_line(state):
    src = "\n".join(["local function f(a: number): number"] + ["  local v: number = a"] * 15
                    + ["  return a +", "end"])
    with pytest.raises(CompileError) as info:
        state.compile(src, "typed", entry="t:typed")
    assert info.value.lua_line == 18
    assert "unexpected symbol near 'end'" in str(info.value)


def test_plain_lua_syntax_errors_keep_luas_wording(state):
    fn, err = state.try_compile("local x = 1\nreturn { main = function( end }", "c")
    assert fn is None and err == "c:2: <name> or '...' expected near 'end'"


def test_incomplete_typed_input_ends_at_eof(state):
    # the kernel reads "near <eof>" as "the cell is not finished yet"
    fn, err = state.try_compile("local function f(a: number): string\n  return ''", "cell")
    assert fn is None and err.endswith("near <eof>") and err.startswith("cell:2:")


def test_invalid_type_syntax_is_rejected(state):
    fn, err = state.try_compile("local x: number< = 42", "c")
    assert fn is None and err == "c:1: type expected near '='"
    with pytest.raises(LuaSyntaxError):
        lower("type X = {a: }")


def test_yaml_inline_typed_source_maps_lines_to_the_file(runtime, write_app):
    app = write_app({"_index.yaml": """namespace: app
entries:
  - name: typed
    kind: function.lua
    source: |
      type P = {x: number}
      local function main(p: P): number
        local ok, err = P:is(p)
        if not ok then error(err) end
        return p.x
      end
      return { main = main }
    method: main
  - name: broken
    kind: function.lua
    source: |
      local function main(a: number): number
        local b: number = a
        return a +
      end
      return { main = main }
    method: main
  - name: broken_file
    kind: function.lua
    source: file://broken.lua
    method: main
""", "broken.lua": "type T = {a: number}\nlocal function main(): T\n  return {a = }\nend\n"})
    report = runtime.load(app)
    inline, in_file = sorted(report.errors, key=lambda e: str(e))
    assert "app:broken:" in str(inline) or "app:broken " in str(inline)
    lines = (app / "_index.yaml").read_text().splitlines()
    assert lines[inline.line - 1].strip() == "end"
    assert "app:broken_file" in str(in_file) and in_file.line == 3
    assert str(app / "broken.lua") in str(in_file)
    assert runtime.call("app:typed", {"x": 5}) == 5
    with pytest.raises(CallError, match="x: expected number"):
        runtime.call("app:typed", {"x": "five"})
