"""The `env.variable` kind (Wippy's fields: variable, storage, default, read_only)."""

from __future__ import annotations

import pytest
from wippy_runtime.errors import LoadError, ValidationError


def test_value_sources_in_order(hosts, monkeypatch):
    rt = hosts.rt
    monkeypatch.setenv("WIPPY_EV_A", "os")
    monkeypatch.delenv("WIPPY_EV_B", raising=False)
    fixed = rt.define({"id": "t:fixed", "kind": "env.variable", "value": "v",
                       "variable": "WIPPY_EV_A"})
    os_var = rt.define({"id": "t:os", "kind": "env.variable", "variable": "WIPPY_EV_A",
                        "default": "d"})
    dflt = rt.define({"id": "t:dflt", "kind": "env.variable", "variable": "WIPPY_EV_B",
                      "default": 8080})
    unset = rt.define({"id": "t:WIPPY_EV_B", "kind": "env.variable"})
    assert (fixed.value(), os_var.value(), dflt.value(), unset.value()) == ("v", "os", "8080",
                                                                              None)
    assert unset.key == "WIPPY_EV_B"  # no `variable`: the entry's name
    assert rt.describe()[[i.id for i in rt.describe()].index("t:os")].detail["set"] is True


def test_storage_reference(hosts):
    rt = hosts.rt
    rt.define({"id": "t:os_env", "kind": "env.storage.os"})
    rt.define({"id": "t:v", "kind": "env.variable", "variable": "X", "storage": "os_env"})
    assert rt.built["t:v"].storage == "t:os_env"
    rt.define({"id": "t:lua", "kind": "function.lua", "method": "main",
               "source": "return { main = function() end }"})
    with pytest.raises(ValidationError, match="expected an env.storage.\\* entry"):
        rt.define({"id": "t:w", "kind": "env.variable", "variable": "X", "storage": "t:lua"})
    with pytest.raises(LoadError, match="t:nope not found"):
        rt.define({"id": "t:w", "kind": "env.variable", "variable": "X", "storage": "t:nope"})


@pytest.mark.parametrize("data,message", [
    ({"variable": "BAD-NAME"}, "invalid variable name 'BAD-NAME'"),
    ({"variable": "X", "read_only": "yes"}, "read_only must be true or false"),
    ({"variable": ["X"]}, "variable must be a string"),
])
def test_validation(hosts, data, message):
    with pytest.raises(ValidationError) as info:
        hosts.rt.define({"id": "t:v", "kind": "env.variable", **data})
    assert message in str(info.value) and "t:v" in str(info.value)


def test_unknown_field_is_a_warning_not_an_error(hosts):
    hosts.rt.define({"id": "t:v", "kind": "env.variable", "variable": "X", "colour": 1})
    assert "t:v: unknown field(s) for env.variable: colour (ignored)" in hosts.rt.warnings


def test_readonly_spelling_accepted(hosts):
    v = hosts.rt.define({"id": "t:v", "kind": "env.variable", "variable": "X", "readonly": True})
    assert v.read_only is True


def test_replacing_a_variable_rebuilds_wasm_entries_that_use_it(hosts):
    rt = hosts.rt
    rt.define({"id": "t:v", "kind": "env.variable", "value": "one"})
    hosts.component("env", "env", ["wasi:cli"], wasi={"env": [{"id": "t:v", "name": "V"}]})
    assert rt.call("t:env") == [["V", "one"]]
    rt.define({"id": "t:v", "kind": "env.variable", "value": "two"})
    assert rt.call("t:env") == [["V", "two"]]
