"""Shared fixtures: the built echo/users components and the echo core module, instantiated once.

Also puts this checkout's `runtime/` first on sys.path, so the tests exercise the code beside
them even when another checkout is installed in editable mode.
"""

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]

# Test the package next to these tests (a worktree), not another installed checkout.
if str(REPO / "runtime") not in sys.path[:1]:
    sys.path.insert(0, str(REPO / "runtime"))

from wasmtime import Engine, Instance, Module, Store  # noqa: E402
from wasmtime.component import Component, Linker  # noqa: E402
from wippy_runtime.wit import ComponentFunction, CoreAbiFunction, parse_wit  # noqa: E402
from wit_helpers import FIXTURES  # noqa: E402


class ComponentEcho:
    """Calls exports of an instantiated component by name through ComponentFunction."""

    def __init__(self, engine, path, wit_path):
        self.store = Store(engine)
        self.instance = Linker(engine).instantiate(self.store, Component.from_file(engine, path))
        self.wit = parse_wit(wit_path.read_text()).exported_functions()
        self._prepared = {}

    def func(self, name, iface=None):
        key = (iface, name)
        if key not in self._prepared:
            s, inst = self.store, self.instance
            if iface is None:
                f = inst.get_func(s, name)
                wit = self.wit.get(name)
            else:
                f = inst.get_func(s, inst.get_export_index(s, name, inst.get_export_index(s, iface)))
                wit = None
            self._prepared[key] = (ComponentFunction.from_func(s, f, name, wit), f)
        return self._prepared[key]

    def __call__(self, name, *args, iface=None):
        cf, f = self.func(name, iface)
        return cf(self.store, f, args)


class CoreEcho:
    """Calls exports of the echo core module through CoreAbiFunction and an explicit wit."""

    def __init__(self, engine, path, wit_path):
        self.store = Store(engine)
        self.instance = Instance(self.store, Module.from_file(engine, path), [])
        self.wit = parse_wit(wit_path.read_text()).exported_functions()
        self._bound = {}

    def __call__(self, name, *args):
        if name not in self._bound:
            self._bound[name] = CoreAbiFunction(self.wit[name]).bind(self.store, self.instance,
                                                                     name)
        return self._bound[name](args)


@pytest.fixture(scope="session")
def engine():
    return Engine()


@pytest.fixture(scope="session")
def echo_component(engine):
    return ComponentEcho(engine, FIXTURES / "echo.component.wasm", FIXTURES / "echo.wit")


@pytest.fixture(scope="session")
def users_component(engine):
    return ComponentEcho(engine, FIXTURES / "users.component.wasm", FIXTURES / "users.wit")


@pytest.fixture(scope="session")
def echo_core(engine):
    return CoreEcho(engine, FIXTURES / "echo.core.wasm", FIXTURES / "echo.wit")
