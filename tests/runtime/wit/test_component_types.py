"""A component's own types in our model, and declared signatures checked against them."""

import pytest
from wippy_runtime.wit import parse_signatures
from wippy_runtime.wit.component_types import check_compatible, func_type_of, wit_type_of


def exported(component, name):
    f = component.instance.get_func(component.store, name)
    return func_type_of(name, f.type(component.store))


def test_a_component_type_reads_as_our_model_named_by_kind(users_component):
    ft = exported(users_component, "transform-users")
    assert str(ft) == "transform-users: func(users: list<record>) -> list<record>"
    (record,) = {ft.params[0].type.element}
    assert [(f.name, str(f.type)) for f in record.fields] == [
        ("id", "u32"), ("name", "string"), ("tags", "list<string>"), ("active", "bool")]


def test_a_declared_signature_of_the_same_shape_is_accepted(users_component):
    (wit,) = parse_signatures(
        "record user { id: u32, name: string, tags: list<string>, active: bool }\n"
        "transform-users: func(users: list<user>) -> list<user>;").values()
    check_compatible(wit, exported(users_component, "transform-users"))


def test_a_declared_signature_of_another_shape_is_refused(users_component):
    (wit,) = parse_signatures(
        "record user { id: u64, name: string, tags: list<string>, active: bool }\n"
        "transform-users: func(users: list<user>) -> list<user>;").values()
    with pytest.raises(ValueError, match="does not match the component's"):
        check_compatible(wit, exported(users_component, "transform-users"))


def test_an_unknown_wasmtime_type_is_refused_by_name():
    with pytest.raises(TypeError, match="unsupported component value type int"):
        wit_type_of(5)
