"""`store.memory` entries: validation, and the MemoryStore behind them."""

from __future__ import annotations

import time

import pytest
from wippy_runtime import Runtime
from wippy_runtime.errors import LoadError
from wippy_runtime.kinds.store_memory import MemoryStore, StoreMemory, parse_duration


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()


def test_entry_builds_a_store_with_its_options(rt):
    built = rt.define({"id": "app:m", "kind": "store.memory", "max_size": 3,
                       "cleanup_interval": "1m", "lifecycle": {"auto_start": True}})
    assert isinstance(built, StoreMemory) and built.store.max_size == 3
    assert rt.describe()[0].detail == {"keys": 0, "max_size": 3}


@pytest.mark.parametrize("field, value, message", [
    ("max_size", -1, "max_size must be a non-negative integer"),
    ("max_size", "big", "max_size must be a non-negative integer"),
    ("cleanup_interval", "soon", "cleanup_interval 'soon' is not a non-negative duration"),
])
def test_bad_options_name_the_entry_and_field(rt, field, value, message):
    with pytest.raises(LoadError) as info:
        rt.define({"id": "app:bad", "kind": "store.memory", field: value})
    assert message in str(info.value) and "app:bad" in str(info.value)


def test_default_size_ttl_versions_and_lru():
    s = MemoryStore(0)
    assert s.max_size == 10000
    first = s.set("a", 1)
    second = s.set("a", 2)
    assert first is not None and second is not None and second.version > first.version
    assert s.set("a", 3, if_version=first.version) is None
    assert s.set("a", 3, only_if_absent=True) is None
    s.set("t", "x", ttl=0.02)
    assert s.has("t")
    time.sleep(0.05)
    assert not s.has("t") and s.get("t") is None
    small = MemoryStore(2)
    small.set("x", 1)
    small.set("y", 2)
    small.get("x")
    small.set("z", 3)
    assert [k for k, _ in small.items()] == ["x", "z"]


def test_parse_duration():
    assert parse_duration("1m") == 60.0 and parse_duration("1h30m") == 5400.0
    assert parse_duration("250ms") == 0.25 and parse_duration(5) == 5.0
    assert parse_duration("1 minute") is None and parse_duration("") is None
