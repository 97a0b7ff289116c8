"""`new_state`: modules bound at once, and modules bound when Lua code first uses them (a
notebook session offers every module without importing the heavy ones up front)."""

from __future__ import annotations

import sys

import pytest
from wippy_runtime import Runtime
from wippy_runtime.lua.globals import new_state
from wippy_runtime.lua.modules import IMPORTED_ON_USE, MODULES


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()


def run(state, source):
    return state.call(state.compile(source, "t", entry="t:test"))


def test_the_heavy_modules_are_imported_on_use():
    assert {"expr", "treesitter", "excel", "http", "templates"} <= IMPORTED_ON_USE
    assert "json" not in IMPORTED_ON_USE and "funcs" not in IMPORTED_ON_USE


def test_a_module_offered_on_first_use_binds_when_read_or_required(rt):
    state = new_state(rt, max_memory=None, modules=["json"], on_first_use=["expr", "excel"])
    assert run(state, "return rawget(_G, 'expr') == nil, rawget(_G, 'excel') == nil") == \
        (True, True)
    assert run(state, "return (expr.eval('1 + 2'))") == (3,)
    assert run(state, "return require('excel') == excel, excel.new ~= nil") == (True, True)
    assert run(state, "return json.encode ~= nil, nosuch == nil") == (True, True)
    with pytest.raises(Exception, match="module 'templates' not found"):
        run(state, "return require('templates')")


def test_an_entry_state_still_gets_only_what_it_lists(rt):
    state = new_state(rt, max_memory=None, modules=["json"])
    assert run(state, "return expr == nil") == (True,)
    with pytest.raises(Exception, match="module 'expr' not found"):
        run(state, "return require('expr')")


def test_every_module_still_installs(rt):
    for name in MODULES:
        state = new_state(rt, max_memory=None, modules=[name])
        assert run(state, f"return {name} ~= nil") == (True,), name
    assert "wippy_runtime.lua.modules.expr" in sys.modules
