"""The live registry: one owner for entries, built generations, failures and dependents."""

from __future__ import annotations

from wippy_runtime.errors import LoadError
from wippy_runtime.registry import Entry
from wippy_runtime.registry.live import Registry


class Built:
    def __init__(self, entry: Entry) -> None:
        self.entry = entry
        self.retired = False

    def info(self) -> str:
        return self.entry.id

    def retire(self) -> None:
        self.retired = True


def test_a_callable_registration_is_found_by_id_and_by_bytes():
    reg = Registry()
    entry = Entry("app:f", "function.lua")
    built = Built(entry)
    assert reg.register(entry, built, callable_=True, generation=1, dependencies=set()) is None
    assert reg.target("app:f") is built
    assert reg.targets_by_bytes[b"app:f"] is built
    assert "app:f" in reg and reg.next_generation("app:f") == 2


def test_replacing_returns_the_old_generation_and_a_resource_is_not_callable():
    reg = Registry()
    entry = Entry("app:x", "function.lua")
    first = Built(entry)
    reg.register(entry, first, callable_=True, generation=1, dependencies=set())
    second = Built(entry)
    assert reg.register(entry, second, callable_=False, generation=2,
                        dependencies=set()) is first
    assert reg.target("app:x") is None and b"app:x" not in reg.targets_by_bytes
    assert reg.built["app:x"] is second and reg.generations["app:x"] == 2


def test_dependents_and_failures_are_tracked_and_removal_forgets_everything():
    reg = Registry()
    lib, user = Entry("app:lib", "library.lua"), Entry("app:user", "function.lua")
    reg.register(lib, Built(lib), callable_=False, generation=1, dependencies=set())
    reg.register(user, Built(user), callable_=True, generation=1, dependencies={"app:lib"})
    assert [e.id for e in reg.dependents("app:lib")] == ["app:user"]
    reg.fail(user, LoadError("broken", entry="app:user"))
    assert reg.failed["app:user"][1].message == "broken"
    removed = reg.remove("app:user")
    assert removed is not None and removed.entry is user
    assert "app:user" not in reg.failed and reg.dependents("app:lib") == []
    assert [b.entry.id for b in reg.clear()] == ["app:lib"] and not reg.built


def test_target_hooks_see_every_callable_registration():
    reg = Registry()
    seen: list[str] = []
    reg.on_target.append(lambda t: seen.append(t.entry.id))
    for name, callable_ in (("a", True), ("b", False), ("c", True)):
        entry = Entry(f"app:{name}", "function.lua")
        reg.register(entry, Built(entry), callable_=callable_, generation=1, dependencies=set())
    assert seen == ["app:a", "app:c"]
