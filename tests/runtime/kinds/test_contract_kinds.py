"""`contract.definition` and `contract.binding` entries: what they accept, and load errors
that name the entry, its line and what was wrong (the other entries still load)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from wippy_runtime import Runtime
from wippy_runtime.kinds.contract_binding import ContractBinding
from wippy_runtime.kinds.contract_definition import ContractDefinition

FIXTURE = Path(__file__).parents[2] / "fixtures" / "contract"


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()


def load(rt: Runtime, entries: list[dict]) -> list:
    text = yaml.safe_dump({"namespace": "k", "entries": entries}, sort_keys=False)
    return rt.load_text(text, file="k.yaml").errors


GREETER = {"name": "greeter", "kind": "contract.definition",
           "methods": [{"name": "greet", "description": "says hello"}, {"name": "bye"}]}
HELLO = {"name": "hello", "kind": "function.lua", "method": "main",
         "source": "return { main = function() return 'hi' end }"}


def test_fixture_app_loads_with_warnings_for_unbound_and_unknown_methods(rt):
    report = rt.load(FIXTURE)
    assert report.errors == []
    definition = rt.built["shop:pricing"]
    assert isinstance(definition, ContractDefinition)
    assert [m.name for m in definition.methods] == ["quote", "tenant", "refund"]
    assert definition.by_name["quote"].input_schemas == [
        {"format": "json-schema", "definition": {"type": "object"}}]
    binding = rt.built["shop:pricing_impl"]
    assert isinstance(binding, ContractBinding)
    assert binding.bound("shop:pricing").default is True
    assert binding.function_for("quote")[1] == "shop:quote"
    warnings = "\n".join(report.warnings)
    assert "shop:pricing_impl" in warnings and "flaky not in contract shop:pricing" in warnings
    assert "method(s) refund of shop:pricing are not bound" in warnings


def test_binding_to_an_unknown_contract_is_a_load_error_naming_the_binding(rt):
    errors = load(rt, [HELLO, {"name": "b", "kind": "contract.binding", "contracts": [
        {"contract": "k:nope", "methods": {"greet": "k:hello"}}]}])
    assert len(errors) == 1
    err = errors[0]
    assert err.entry == "k:b" and err.line is not None
    assert "contract.definition k:nope not found" in str(err)
    assert "k:hello" in rt.built  # the other entries keep loading


def test_binding_to_something_that_is_not_a_contract_is_rejected(rt):
    errors = load(rt, [HELLO, {"name": "b", "kind": "contract.binding", "contracts": [
        {"contract": "k:hello", "methods": {}}]}])
    assert "k:hello is a function.lua, expected contract.definition" in str(errors[0])


def test_method_bound_to_a_missing_function_or_a_non_function_is_rejected(rt):
    errors = load(rt, [GREETER, {"name": "b", "kind": "contract.binding", "contracts": [
        {"contract": "k:greeter", "methods": {"greet": "k:missing"}}]}])
    assert errors[0].entry == "k:b" and "k:missing not found" in str(errors[0])
    errors = load(rt, [{"name": "b2", "kind": "contract.binding", "contracts": [
        {"contract": "k:greeter", "methods": {"greet": "k:greeter"}}]}])
    assert "methods.greet: k:greeter is a contract.definition, not a function" in str(errors[0])


@pytest.mark.parametrize("contracts, message", [
    (None, "contracts must be a non-empty list"),
    ([], "contracts must be a non-empty list"),
    (["k:greeter"], "contracts[0] must be a mapping"),
    ([{"methods": {}}], "contracts[0].contract must be a contract id"),
    ([{"contract": "k:greeter", "default": "yes"}], "contracts[0].default must be true or false"),
    ([{"contract": "k:greeter", "methods": ["greet"]}], "contracts[0].methods must map"),
    ([{"contract": "k:greeter", "methods": {"greet": 5}}], "methods.greet must be a function id"),
    ([{"contract": "k:greeter", "context_required": "tenant"}], "context_required must be a list"),
    ([{"contract": "k:greeter"}, {"contract": "k:greeter"}], "k:greeter is bound twice"),
])
def test_malformed_bindings_say_what_is_wrong(rt, contracts, message):
    entry = {"name": "b", "kind": "contract.binding"}
    if contracts is not None:
        entry["contracts"] = contracts
    errors = load(rt, [GREETER, HELLO, entry])
    assert len(errors) == 1 and errors[0].entry == "k:b"
    assert message in str(errors[0])


@pytest.mark.parametrize("methods, message", [
    ("greet", "methods must be a list"),
    ([{"description": "x"}], "methods[0].name must be a non-empty string"),
    (["greet"], "methods[0] must be a mapping"),
    ([{"name": "a"}, {"name": "a"}], "method 'a' is defined twice"),
    ([{"name": "a", "description": 3}], "methods[0].description must be a string"),
    ([{"name": "a", "input_schemas": "x"}], "methods[0].input_schemas must be a list"),
])
def test_malformed_definitions_say_what_is_wrong(rt, methods, message):
    errors = load(rt, [{"name": "c", "kind": "contract.definition", "methods": methods}, HELLO])
    assert len(errors) == 1 and errors[0].entry == "k:c"
    assert message in str(errors[0])
    assert "k:hello" in rt.built


def test_redefining_a_contract_rebuilds_its_bindings(rt):
    assert load(rt, [GREETER, HELLO, {"name": "b", "kind": "contract.binding", "contracts": [
        {"contract": "k:greeter", "methods": {"greet": "k:hello"}}]}]) == []
    first = rt.built["k:b"]
    assert load(rt, [{**GREETER, "methods": [{"name": "greet"}, {"name": "wave"}]}]) == []
    rebuilt = rt.built["k:b"]
    assert rebuilt is not first
    assert rebuilt.has_method("wave") and not rebuilt.has_method("bye")
