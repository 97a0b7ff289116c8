"""Pins the wasmtime-py 50 component-linker behaviour that host_linking.py is built on (its
module docstring, points 1–5). If wasmtime changes any of these, the linking strategy must be
revisited — these tests say which assumption broke."""

from __future__ import annotations

import pytest
import wasmtime
from hosts_helpers import COMPONENT
from wasmtime import Engine, Store, WasiConfig
from wasmtime.component import Component, Linker, ResourceType


class Stub(Exception):
    pass


def _stub(*_args):
    raise Stub("stub")


@pytest.fixture(scope="module")
def engine():
    return Engine()


@pytest.fixture(scope="module")
def component(engine):
    return Component.from_file(engine, str(COMPONENT))


def _call(engine, linker, component, name, *args):
    store = Store(engine)
    store.set_wasi(WasiConfig())
    instance = linker.instantiate(store, component)
    return instance.get_func(store, name)(store, *args)


def _wasip2(engine):
    linker = Linker(engine)
    linker.add_wasip2()
    linker.add_wasi_http()
    linker.allow_shadowing = True
    with linker.root() as root, root.add_instance("wippy:runtime/funcs@0.1.0") as li:
        li.add_func("call-string", _stub)
        li.add_func("call-bytes", _stub)
    return linker


def test_1_2_exact_name_instance_replaces_the_interface(engine, component):
    linker = _wasip2(engine)
    with linker.root() as root, root.add_instance("wasi:random/random@0.2.0") as li:
        li.add_func("get-random-u64", _stub)
    with pytest.raises(Stub):
        _call(engine, linker, component, "random")
    assert _call(engine, linker, component, "add", 1, 2) == 3


def test_1_replacement_does_not_merge(engine, component):
    linker = _wasip2(engine)
    with linker.root() as root, root.add_instance("wasi:cli/environment@0.2.0") as li:
        li.add_func("get-arguments", lambda _s: ["mine"])
    with pytest.raises(wasmtime.WasmtimeError, match="get-environment"):
        _call(engine, linker, component, "args")


def test_2_other_patch_version_is_ignored_for_the_import(engine, component):
    linker = _wasip2(engine)
    with linker.root() as root, root.add_instance("wasi:random/random@0.2.3") as li:
        li.add_func("get-random-u64", _stub)
    assert isinstance(_call(engine, linker, component, "random"), int)


def test_3_define_unknown_imports_as_traps_shadows_wasip2(engine, component):
    linker = _wasip2(engine)
    linker.define_unknown_imports_as_traps(component)
    with pytest.raises(wasmtime.WasmtimeError, match="has not been defined"):
        _call(engine, linker, component, "args")


def test_4_resources_cannot_be_split_from_their_users(engine, component):
    linker = _wasip2(engine)
    with linker.root() as root, root.add_instance("wasi:io/streams@0.2.0") as li:
        li.add_resource("output-stream", ResourceType.host(1), lambda _s, _r: None)
        li.add_resource("input-stream", ResourceType.host(2), lambda _s, _r: None)
        li.add_resource("error", ResourceType.host(3), lambda _s, _r: None)
        li.add_func("[method]output-stream.blocking-write-and-flush", _stub)
        li.add_func("[method]input-stream.read", _stub)
    with pytest.raises(wasmtime.WasmtimeError, match="resource type"):
        _call(engine, linker, component, "add", 1, 2)


def test_5_host_exception_reaches_the_caller_and_poisons_the_instance(engine, component):
    linker = _wasip2(engine)
    with linker.root() as root, root.add_instance("wasi:random/random@0.2.0") as li:
        li.add_func("get-random-u64", _stub)
    store = Store(engine)
    store.set_wasi(WasiConfig())
    instance = linker.instantiate(store, component)
    with pytest.raises(Stub):
        instance.get_func(store, "random")(store)
    with pytest.raises(wasmtime.WasmtimeError, match="cannot enter component instance"):
        instance.get_func(store, "add")(store, 1, 2)
