"""Registry versions over a live Runtime: recording, applying changes, moving between versions."""

from __future__ import annotations

import pytest
from wippy_runtime import Runtime
from wippy_runtime.errors import ALREADY_EXISTS, INVALID, NOT_FOUND
from wippy_runtime.registry.entry import Entry
from wippy_runtime.registry.versions import (
    CREATE,
    DELETE,
    UPDATE,
    Operation,
    RegistryError,
    build_delta,
    history_of,
)


def fn(entry_id: str, value: int, source: str | None = None) -> Entry:
    return Entry(id=entry_id, kind="function.lua", data={
        "method": "main", "source": source or f"return {{ main = function() return {value} end }}"})


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    runtime.define({"id": "app:base", "kind": "library.lua", "source": "return {}"})
    yield runtime
    runtime.close()


def test_first_version_is_the_live_state_and_is_stable(rt):
    h = history_of(rt)
    v = h.sync()
    assert v.id == 1 and set(v.state) == {"app:base"} and h.sync() is v
    assert history_of(rt) is h


def test_apply_changes_is_one_version_and_reaches_the_runtime(rt):
    h = history_of(rt)
    base = h.sync()
    v = h.apply_changes([Operation(CREATE, fn("app:f", 1))])
    assert v.parent is base and rt.call("app:f") == 1
    v2 = h.apply_changes([Operation(UPDATE, fn("app:f", 2))])
    assert rt.call("app:f") == 2 and h.next_of(v) is v2
    h.apply_changes([Operation(DELETE, Entry(id="app:f", kind=""))])
    assert "app:f" not in rt.entries


def test_invalid_operations_are_refused_before_anything_changes(rt):
    h = history_of(rt)
    cases = [([], INVALID), ([Operation(CREATE, fn("app:base", 1))], ALREADY_EXISTS),
             ([Operation(UPDATE, fn("app:none", 1))], NOT_FOUND),
             ([Operation(DELETE, Entry(id="app:none", kind=""))], NOT_FOUND),
             ([Operation(UPDATE, fn("app:base", 1))], INVALID)]  # kind change
    for ops, kind in cases:
        with pytest.raises(RegistryError) as info:
            h.apply_changes(ops)
        assert info.value.kind == kind
    assert len(h.versions) == 1


def test_a_build_failure_undoes_the_whole_change_set(rt):
    h = history_of(rt)
    h.apply_changes([Operation(CREATE, fn("app:keep", 1))])
    before = h.sync()
    with pytest.raises(RegistryError) as info:
        h.apply_changes([Operation(CREATE, fn("app:new", 5)),
                         Operation(UPDATE, fn("app:keep", 0, source="not lua at all"))])
    assert info.value.details["count"] == 1 and "app:keep" in info.value.details["summary"]
    assert rt.call("app:keep") == 1 and "app:new" not in rt.entries
    assert "app:new" not in rt.failed and "app:keep" not in rt.failed
    assert h.sync() is before


def test_apply_version_moves_back_and_forward_and_branches(rt):
    h = history_of(rt)
    base = h.sync()
    v1 = h.apply_changes([Operation(CREATE, fn("app:f", 1))])
    v2 = h.apply_changes([Operation(UPDATE, fn("app:f", 2))])
    h.apply_version(base)
    assert "app:f" not in rt.entries and h.current is base
    h.apply_version(v2)
    assert rt.call("app:f") == 2
    h.apply_version(v1)
    assert rt.call("app:f") == 1 and h.current is v1
    branch = h.apply_changes([Operation(CREATE, fn("app:g", 3))])
    assert branch.parent is v1 and branch.id == v2.id + 1


def test_outside_changes_are_recorded_as_their_own_version(rt):
    h = history_of(rt)
    v = h.sync()
    rt.define({"id": "app:py", "kind": "library.lua", "source": "return {}"})
    v2 = h.sync()
    assert v2.parent is v and "app:py" in v2.state and "app:py" not in v.state


def test_failed_entries_are_registry_entries(rt):
    rt.apply([fn("app:broken", 0, source="syntax error here")])
    assert "app:broken" in history_of(rt).sync().state


def test_build_delta():
    a = [fn("x:same", 1), fn("x:old", 1), fn("x:changed", 1)]
    b = [fn("x:same", 1), fn("x:changed", 2), fn("x:new", 1)]
    ops = sorted((op.kind, op.entry.id) for op in build_delta(a, b))
    assert ops == [(CREATE, "x:new"), (DELETE, "x:old"), (UPDATE, "x:changed")]
