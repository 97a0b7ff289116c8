"""Every WIT mapping rule, from Lua through funcs.call, for a component and a core module.

The same fixtures as tests/runtime/wit (echo.wat + echo.wit): once as a component (types from
the component itself) and once as a core module with the WIT given in the entry's `wit`
(canonical ABI over its memory). Each case builds its argument in Lua and checks the result
in Lua, so the Lua-side shapes (integers, arrays, strings for list<u8>, ...) are what is tested.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "components"
ECHO_WIT = (FIXTURES / "echo.wit").read_text()


def sha(name: str) -> str:
    return hashlib.sha256((FIXTURES / name).read_bytes()).hexdigest()


@pytest.fixture(params=["component", "core"])
def echo(request, runtime):
    """Returns define(fn) -> entry id of an entry calling echo function `fn`."""
    runtime.define({"id": "t:fixtures", "kind": "fs.directory", "directory": str(FIXTURES)})
    binary = "echo.component.wasm" if request.param == "component" else "echo.core.wasm"

    def define(fn: str) -> str:
        entry_id = f"t:{fn.replace('#', '.').replace('[', '').replace(']', '')}"
        entry = {"id": entry_id, "kind": "function.wasm", "fs": "t:fixtures",
                 "path": f"/{binary}", "hash": f"sha256:{sha(binary)}", "method": fn,
                 "pool": {"type": "inline"}}
        if request.param == "core":
            entry["wit"] = ECHO_WIT
        runtime.define(entry)
        return entry_id

    define.kind = request.param
    return define


def run_lua(runtime, body: str):
    runtime.define({"id": "t:case", "kind": "function.lua", "method": "main",
                    "modules": ["funcs"],
                    "source": f"return {{ main = function()\n{body}\nreturn true end }}"})
    return runtime.call("t:case")


CASES = {
    # rule: (function, Lua argument, Lua check of v / err)
    "record <-> table with WIT field names": ("echo-point", "{x = 1, y = -2}",
                                            "v.x == 1 and v.y == -2"),
    "list <-> array": ("echo-s32s", "{3, 1, 2}", "#v == 3 and v[1] == 3 and v[3] == 2"),
    "empty table is an empty list": ("echo-strings", "{}", "type(v) == 'table' and #v == 0"),
    "list<u8> <-> Lua string": ("echo-bytes", "'\\0\\1\\255'",
                                "type(v) == 'string' and v == '\\0\\1\\255'"),
    "string (UTF-8)": ("echo-string", "'héllo'", "v == 'héllo'"),
    "option none <-> nil": ("echo-option", "nil", "v == nil and err == nil"),
    "option some <-> value": ("echo-option", "5", "v == 5 and math.type(v) == 'integer'"),
    "top-level result ok -> value, nil": ("echo-result", "{ok = 7}", "v == 7 and err == nil"),
    "top-level result err -> nil, err": ("echo-result", "{err = 1.5}", "v == nil and err == 1.5"),
    "nested results <-> {ok=}/{err=}": ("echo-results", "{{ok = 1}, {err = 'no'}}",
                                        "v[1].ok == 1 and v[2].err == 'no'"),
    "result without payload -> true": ("echo-units", "{{ok = true}, {err = true}}",
                                       "v[1].ok == true and v[2].err == true"),
    "variant with payload": ("echo-shape", "{circle = 2.5}", "v.circle == 2.5"),
    "variant tuple payload": ("echo-shape", "{rect = {1.5, 2}}",
                              "v.rect[1] == 1.5 and v.rect[2] == 2"),
    "variant case without payload <-> {case = true}": ("echo-shape", "{empty = true}",
                                                      "v.empty == true"),
    "enum <-> case name": ("echo-color", "'green'", "v == 'green'"),
    "flags <-> set table": ("echo-perms", "{read = true, exec = true}",
                            "v.read == true and v.exec == true and v.write == nil"),
    "tuple <-> array": ("echo-pair", "{7, 'x'}", "v[1] == 7 and v[2] == 'x'"),
    "char <-> one-character string": ("echo-char", "'é'", "v == 'é'"),
    "bool": ("echo-bool", "true", "v == true"),
    "u8 upper bound": ("echo-u8", "255", "v == 255"),
    "s8 lower bound": ("echo-s8", "-128", "v == -128"),
    "u32 above 2^31": ("echo-u32", "4000000000", "v == 4000000000"),
    "s64 extremes": ("echo-s64", "math.mininteger", "v == math.mininteger"),
    "u64 up to 2^63-1": ("echo-u64", "math.maxinteger", "v == math.maxinteger"),
    "f32": ("echo-f32", "1.5", "v == 1.5 and math.type(v) == 'float'"),
    "f64": ("echo-f64", "0.1", "v == 0.1"),
    "list of records with options and variants": (
        "echo-items",
        "{{id = 9, label = 'a', shape = {circle = 1.0}, tags = {'t'}, color = 'blue',"
        " perms = {write = true}, pos = {x = 1, y = 2}, score = {ok = 0.5}},"
        " {id = 10, shape = {empty = true}, tags = {}, color = 'red', perms = {},"
        " pos = {x = 0, y = 0}, score = {err = 'bad'}}}",
        "v[1].label == 'a' and v[1].shape.circle == 1.0 and v[1].perms.write == true"
        " and v[1].score.ok == 0.5 and v[2].label == nil and v[2].score.err == 'bad'"
        " and v[2].shape.empty == true and #v[2].tags == 0"),
    "nested lists of options of tuples": (
        "echo-nested", "{{{1, {'a', 'b'}}, nil}, {}}",
        "#v == 2 and v[1][1][1] == 1 and v[1][1][2][2] == 'b' and #v[2] == 0"),
}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_mapping_rule_from_lua(runtime, echo, rule):
    fn, arg, check = CASES[rule]
    entry_id = echo(fn)
    run_lua(runtime, f"""
      local v, err = funcs.call("{entry_id}", {arg})
      assert({check}, "{rule}: got " .. tostring(v) .. ", " .. tostring(err))""")


BAD = {
    # case: (function, Lua argument, expected message fragment)
    "wrong type": ("echo-s32", "'x'", 'expected s32, got string "x"'),
    "missing field": ("echo-point", "{x = 1}", 'missing field "y"'),
    "extra field": ("echo-point", "{x = 1, y = 2, z = 3}", 'unknown field "z"'),
    "out of range": ("echo-u8", "256", "out of range for u8"),
    "negative for unsigned": ("echo-u32", "-1", "out of range for u32"),
    "invalid UTF-8": ("echo-string", "'\\255'", "invalid UTF-8"),
    "wrong variant case": ("echo-shape", "{square = 1}", 'unknown variant case "square"'),
    "unknown enum name": ("echo-color", "'purple'", 'unknown enum case "purple"'),
    "unknown flag name": ("echo-perms", "{fly = true}", '"fly"'),
    "sparse array for a list": ("echo-s32s", "{[1] = 1, [3] = 3}", "sparse array"),
    "nested path": ("echo-items", "{{id = 1, shape = {empty = true}, tags = {'a', 5},"
                    " color = 'red', perms = {}, pos = {x = 0, y = 0}, score = {ok = 1}}}",
                    "v[1].tags[2]: expected string, got integer 5"),
    "float for an integer": ("echo-s32", "1.5", "expected an integer for s32, got number 1.5"),
    "boolean for a number": ("echo-f64", "true", "got boolean true"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_argument_from_lua_is_invalid_with_a_clear_message(runtime, echo, case):
    fn, arg, fragment = BAD[case]
    entry_id = echo(fn)
    run_lua(runtime, f"""
      local v, err = funcs.call("{entry_id}", {arg})
      assert(v == nil and err ~= nil, "{case}: expected an error")
      assert(err:kind() == errors.INVALID, "kind " .. tostring(err:kind()) .. ": " .. tostring(err))
      local text = tostring(err)
      assert(text:find("{entry_id}", 1, true), "names the entry: " .. text)
      assert(text:find({fragment!r}, 1, true), "message: " .. text)""")
    # and the entry keeps working
    run_lua(runtime, f'local v, err = funcs.call("{echo("echo-s32")}", 5)\nassert(v == 5)')


def test_resource_handles_are_opaque_and_pass_back(runtime):
    """Resources exist in the component fixture only (a core module has no resource types)."""
    runtime.define({"id": "t:fixtures", "kind": "fs.directory", "directory": str(FIXTURES)})
    for name, method in (("new", "counters#[constructor]counter"),
                         ("get", "counters#[method]counter.get"),
                         ("bump", "counters#[method]counter.bump")):
        runtime.define({"id": f"t:{name}", "kind": "function.wasm", "fs": "t:fixtures",
                        "path": "/echo.component.wasm",
                        "hash": f"sha256:{sha('echo.component.wasm')}", "method": method,
                        "pool": {"type": "inline"}})
    run_lua(runtime, """
      local c, err = funcs.call("t:new", 40)
      assert(err == nil and type(c) == "userdata", "a handle: " .. tostring(err))
      assert(not pcall(function() return c.rep end), "handles are opaque")
      assert(funcs.call("t:get", c) == 40)
      assert(funcs.call("t:bump", c, 2) == 42)
      assert(funcs.call("t:get", c) == 42)
      local v, bad = funcs.call("t:get", 5)
      assert(v == nil and bad:kind() == errors.INVALID, "a number is not a handle: " .. tostring(bad))""")


def test_seed_example_apps_pass(runtime):
    root = Path(__file__).resolve().parents[2] / "examples"
    for app in ("seed-core", "seed-component"):
        report = runtime.load(root / app)
        assert report.errors == []
        users = runtime.call("myns:seed")
        assert users[0] == {"id": 1, "name": "@Alice", "tags": ["admin", "seen"], "active": False}


def test_seed_component_binary_is_the_built_fixture():
    """examples/seed-component ships a copy of the fixture build's output (see build.py)."""
    example = Path(__file__).resolve().parents[2] / "examples" / "seed-component" / "wasm"
    assert (example / "users.component.wasm").read_bytes() == \
        (FIXTURES / "users.component.wasm").read_bytes()
