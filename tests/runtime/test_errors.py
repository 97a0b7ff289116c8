"""Errors carry their parts as fields (entry, kind, field, line, param, ...), so renderers
never parse message text; and bad input that used to escape as a bare Python error does not."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from wippy_runtime.errors import INVALID, CallError, CompileError, LoadError, ValidationError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "components"
ADD = '(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))'


def _echo(runtime, method: str, entry_id: str) -> str:
    digest = hashlib.sha256((FIXTURES / "echo.component.wasm").read_bytes()).hexdigest()
    runtime.define({"id": "t:fx", "kind": "fs.directory", "directory": str(FIXTURES)})
    runtime.define({"id": entry_id, "kind": "function.wasm", "fs": "t:fx",
                    "path": "/echo.component.wasm", "hash": f"sha256:{digest}",
                    "method": method})
    return entry_id


def test_define_with_an_id_without_colon_is_a_validation_error_naming_it(runtime):
    with pytest.raises(ValidationError) as info:
        runtime.define({"id": "nocolon", "kind": "function.lua", "method": "m",
                        "source": "return { m = function() end }"})
    assert info.value.entry == "nocolon"
    assert info.value.field == "id"
    assert "nocolon" in str(info.value)


def test_a_bad_numeric_argument_names_its_parameter_and_position(runtime):
    runtime.define({"id": "t:add", "kind": "function.wat", "source": ADD, "method": "add",
                    "wit": "add: func(a: s32, b: s32) -> s32;"})
    with pytest.raises(CallError) as info:
        runtime.call("t:add", 1, "x")
    err = info.value
    assert (err.entry, err.kind, err.param, err.index) == ("t:add", INVALID, "b", 2)
    assert err.fields()["param"] == "b"


def test_a_bad_component_argument_names_its_parameter(runtime):
    _echo(runtime, "echo-s32s", "t:s32s")
    with pytest.raises(CallError) as info:
        runtime.call("t:s32s", ["x"])
    assert (info.value.kind, info.value.index) == (INVALID, 1)
    assert info.value.param is not None


def test_wat_syntax_error_carries_its_source_line_and_column(runtime):
    with pytest.raises(CompileError) as info:
        runtime.define({"id": "t:bad", "kind": "function.wat", "method": "f",
                        "source": "(module\n  (func (export \"f\") (result i32)\n    i32.nope))"})
    assert info.value.source_line == 3
    assert info.value.source_column is not None
    assert info.value.field == "source"


def test_lua_runtime_error_at_load_carries_the_chunk_line(runtime):
    with pytest.raises(LoadError) as info:
        runtime.define({"id": "t:boom", "kind": "function.lua", "method": "m",
                        "source": "local x = 1\nerror('boom')\nreturn {}"})
    assert info.value.source_line == 2
    assert "boom" in (info.value.traceback or "")


@pytest.mark.parametrize("target", ["lua", "component", "core"])
def test_a_cyclic_python_list_is_an_argument_error(runtime, target):
    if target == "lua":
        runtime.define({"id": "t:echo", "kind": "function.lua", "method": "m",
                        "source": "return { m = function(x) return x end }"})
        entry = "t:echo"
    elif target == "component":
        entry = _echo(runtime, "echo-s32s", "t:echo")
    else:
        runtime.define({"id": "t:echo", "kind": "function.wat", "source": ADD, "method": "add"})
        entry = "t:echo"
    cyclic: list = [1, 2]
    cyclic.append(cyclic)
    args = (cyclic, 1) if target == "core" else (cyclic,)
    with pytest.raises(CallError) as info:
        runtime.call(entry, *args)
    assert info.value.kind == INVALID
    assert "cycle" in info.value.message
    assert runtime.call(entry, *((1, 2) if target == "core" else ([1],))) is not None


def test_a_cyclic_lua_table_is_an_argument_error(runtime):
    _echo(runtime, "echo-s32s", "t:s32s")
    runtime.define({"id": "t:echo", "kind": "function.lua", "method": "m",
                    "source": "return { m = function(x) return x end }"})
    runtime.define({"id": "t:caller", "kind": "function.lua", "method": "m",
                    "modules": ["funcs"], "source": """return { m = function(id)
      local t = {1, 2}
      t[3] = t
      local v, err = funcs.call(id, t)
      return {v == nil, err:kind(), tostring(err)}
    end }"""})
    for callee in ("t:s32s", "t:echo"):
        is_nil, kind, text = runtime.call("t:caller", callee)
        assert is_nil is True
        assert kind == INVALID
        assert "bad argument" in text
