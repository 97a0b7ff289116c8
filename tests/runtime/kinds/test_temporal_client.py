"""`temporal.client` entries: what loads, what is reported, what is refused."""

from __future__ import annotations

import pytest
from wippy_runtime import Runtime
from wippy_runtime.errors import LoadError


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()


def test_a_wippy_client_entry_loads_with_defaults(rt):
    built = rt.define({"id": "app:client", "kind": "temporal.client", "auth": {"type": "none"},
                       "lifecycle": {"auto_start": True}})
    assert built.namespace == "default" and built.address == "localhost:7233"
    info = {i.id: i for i in rt.describe()}["app:client"]
    assert info.kind == "temporal.client" and "no server" in info.detail["note"]


@pytest.mark.parametrize("field, value, message", [
    ("namespace", "", "namespace must be a non-empty string"),
    ("address", 7233, "address must be a non-empty string"),
    ("auth", "none", "auth must be a mapping"),
])
def test_bad_fields_name_the_entry_and_field(rt, field, value, message):
    with pytest.raises(LoadError) as info:
        rt.define({"id": "app:bad", "kind": "temporal.client", field: value})
    assert message in str(info.value) and "app:bad" in str(info.value)
