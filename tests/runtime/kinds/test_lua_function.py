"""`function.lua` imports: a library, or another function.lua's chunk (Wippy imports any Lua
code node); other kinds are refused naming both entries."""

from __future__ import annotations

import pytest
from wippy_runtime import Runtime
from wippy_runtime.errors import LoadError


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()


def test_a_function_lua_can_be_imported_as_its_chunk_value(rt):
    rt.define({"id": "app:helper", "kind": "function.lua", "method": "main",
               "source": "local function main(x) return x * 3 end\nreturn main"})
    rt.define({"id": "app:user", "kind": "function.lua", "method": "main",
               "imports": {"helper": "app:helper"},
               "source": "return { main = function() return require('helper')(14) end }"})
    assert rt.call("app:user") == 42


def test_importing_a_non_lua_entry_names_both(rt):
    rt.define({"id": "app:host", "kind": "process.host"})
    with pytest.raises(LoadError) as info:
        rt.define({"id": "app:bad", "kind": "function.lua", "method": "main",
                   "imports": {"h": "app:host"}, "source": "return { main = function() end }"})
    text = str(info.value)
    assert "app:bad" in text and "app:host is a process.host, expected library.lua" in text
