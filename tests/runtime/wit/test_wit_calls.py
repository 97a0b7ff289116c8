"""Calling components (ComponentFunction) and core modules (CoreAbiFunction) with plain values:
results, resources, top-level results and the errors the caller sees."""

import pytest
from wasmtime import Instance, Module, Store
from wippy_runtime.wit import (
    ComponentFunction,
    ComponentResource,
    CoreAbiError,
    CoreAbiFunction,
    WitValueError,
    parse_signatures,
    split_top_level_result,
)
from wit_helpers import FIXTURES

USERS = [
    {"id": 1, "name": "Alice", "tags": ["admin"], "active": True},
    {"id": 2, "name": "Bob", "tags": ["user"], "active": False},
]
TRANSFORMED = [
    {"id": 1, "name": "@Alice", "tags": ["admin", "seen"], "active": False},
    {"id": 2, "name": "@Bob", "tags": ["user", "seen"], "active": True},
]


def test_spec_example_on_the_users_component(users_component):
    assert users_component("add", 6, 7) == 13
    assert users_component("transform-users", USERS) == TRANSFORMED
    assert users_component("transform-users", {}) == []  # an empty Lua table


def test_spec_example_on_the_core_module(echo_core):
    assert echo_core("add", 6, 7) == 13
    assert echo_core("transform-users", USERS) == TRANSFORMED


def test_plain_shapes_of_results(echo_component):
    assert echo_component("echo-shape", "empty") == {"empty": True}
    assert echo_component("echo-units", [{"ok": True}]) == [{"ok": True}]
    assert echo_component("echo-perms", ["read", "exec"]) == {"read": True, "exec": True}
    assert echo_component("echo-pair", [1, "x"]) == [1, "x"]
    assert echo_component("echo-bytes", "héllo") == "héllo".encode()


def test_top_level_result_becomes_value_and_error(echo_component):
    ft = echo_component.wit["echo-result"]
    ok = echo_component("echo-result", {"ok": 5})
    err = echo_component("echo-result", {"err": 0.5})
    assert split_top_level_result(ft, ok) == (5, None)
    assert split_top_level_result(ft, err) == (None, 0.5)


def test_u64_above_lua_range_is_an_error_not_a_wrap(echo_component, echo_core):
    with pytest.raises(WitValueError, match="does not fit a Lua integer"):
        echo_component("echo-u64", 2**64 - 1)
    with pytest.raises(WitValueError, match="does not fit a Lua integer"):
        echo_core("echo-u64", 2**64 - 1)
    assert echo_component("echo-u64", 2**63 - 1) == 2**63 - 1


def test_bad_arguments_name_the_parameter(echo_component, echo_core):
    bad = [{"id": 1, "name": "A", "tags": ["x", 5], "active": True}]
    message = "argument 1 (users: list<user>): users[1].tags[2]: expected string, got integer 5"
    with pytest.raises(WitValueError) as a:
        echo_component("transform-users", bad)
    with pytest.raises(WitValueError) as b:
        echo_core("transform-users", bad)
    assert str(a.value) == str(b.value) == message
    with pytest.raises(WitValueError, match="expected 2 arguments, got 1"):
        echo_component("add", 1)


def test_resource_handles_round_trip_through_methods(echo_component):
    iface = "wippy:echo/counters@0.1.0"
    counter = echo_component("[constructor]counter", 5, iface=iface)
    assert isinstance(counter, ComponentResource)
    assert echo_component("[method]counter.get", counter, iface=iface) == 5
    assert echo_component("[method]counter.bump", counter, 10, iface=iface) == 15
    assert echo_component("[method]counter.get", counter, iface=iface) == 15
    with pytest.raises(WitValueError, match=r"argument 1 \(self: borrow<resource>\)"):
        echo_component("[method]counter.get", 5, iface=iface)
    counter.drop(echo_component.store)


def test_component_names_come_from_the_wit_when_given(echo_component):
    cf, _ = echo_component.func("transform-users")
    assert str(cf.type) == "transform-users: func(users: list<user>) -> list<user>"
    s, inst = echo_component.store, echo_component.instance
    anonymous = ComponentFunction.from_func(s, inst.get_func(s, "transform-users"), "t")
    assert str(anonymous.type) == "t: func(users: list<record>) -> list<record>"
    wrong = parse_signatures("add: func(a: s32, b: string) -> s32;")["add"]
    with pytest.raises(ValueError, match="does not match the component"):
        ComponentFunction.from_func(s, inst.get_func(s, "add"), "add", wrong)


def test_core_binding_checks_exports(engine):
    sigs = parse_signatures(
        "greet: func(name: string) -> string;\nadd: func(a: s32, b: s32) -> s32;\n"
        "pair: func() -> tuple<u32, u32>;"
    )
    store = Store(engine)
    bare = Instance(store, Module(engine, """(module
        (func (export "greet") (param i32 i32) (result i32) i32.const 0)
        (func (export "add") (param i64 i32) (result i32) i32.const 0)
        (func (export "pair") (result i32) i32.const 0))"""), [])
    with pytest.raises(CoreAbiError, match='must export "memory" and "cabi_realloc"'):
        CoreAbiFunction(sigs["greet"]).bind(store, bare, "greet")
    with pytest.raises(CoreAbiError, match=r'export "add" has core type \(i64, i32\) -> \(i32\) '
                                           r"but `add: func\(a: s32, b: s32\) -> s32` needs "
                                           r"\(i32, i32\) -> \(i32\)"):
        CoreAbiFunction(sigs["add"]).bind(store, bare, "add")
    with pytest.raises(CoreAbiError, match='must export "memory"'):
        CoreAbiFunction(sigs["pair"]).bind(store, bare, "pair")
    with pytest.raises(CoreAbiError, match='no exported function "nope"'):
        CoreAbiFunction(sigs["add"]).bind(store, bare, "nope")


def test_core_rejects_invalid_utf8_from_the_module(engine):
    store = Store(engine)
    inst = Instance(store, Module(engine, """(module
        (memory (export "memory") 1)
        (data (i32.const 16) "\\ff\\fe")
        (data (i32.const 32) "\\10\\00\\00\\00\\02\\00\\00\\00")
        (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) i32.const 256)
        (func (export "name") (result i32) i32.const 32))"""), [])
    sig = parse_signatures("name: func() -> string;")["name"]
    with pytest.raises(CoreAbiError, match="not valid UTF-8"):
        CoreAbiFunction(sig).bind(store, inst, "name")(())


def test_core_memory_growth_keeps_values_intact(echo_core):
    big = ["x" * 1000] * 200  # ~200 KB: cabi_realloc has to grow memory mid-lowering
    assert echo_core("echo-strings", big) == big


def test_fixture_sources_are_present():
    assert (FIXTURES / "echo.wat").exists() and (FIXTURES / "build.py").exists()
