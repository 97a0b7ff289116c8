"""The live registry: which entries exist now, what each was built into, and what failed.

One object owns what used to be parallel dictionaries on the Runtime: entries by id, their
built objects, the callable ones by id and by the id's bytes (the key Lua hands `funcs.call`),
the entries that failed to build, each entry's generation and what it was built against. The
build machinery (kinds) writes it through `register` / `fail` / `remove`; everything else
reads it.

The registry never builds anything and knows no kinds: a built object is anything with
`entry`, `info()` and `retire()`; the caller says whether it is callable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from ..errors import WippyError
from .entry import Entry


class Built(Protocol):
    """What a kind handler produces: a callable target or a resource."""

    entry: Entry

    def info(self) -> Any: ...

    def retire(self) -> None: ...


class Registry:
    """Entries by id, with their built generation, failures and dependencies."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self.built: dict[str, Any] = {}
        self.failed: dict[str, tuple[Entry, WippyError]] = {}
        #: the callable built objects (targets), by id and by the id's UTF-8 bytes
        self.targets: dict[str, Any] = {}
        self.targets_by_bytes: dict[bytes, Any] = {}
        self.generations: dict[str, int] = {}
        #: entry id -> the ids it was built against (imports, fs, ...)
        self.dependencies: dict[str, set[str]] = {}
        #: called with each newly registered target (tracing attaches here)
        self.on_target: list[Callable[[Any], None]] = []

    # -- lookup ---------------------------------------------------------------------------
    def target(self, entry_id: str) -> Any:
        """The callable generation serving `entry_id` now, or None."""
        return self.targets.get(entry_id)

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self.built

    def next_generation(self, entry_id: str) -> int:
        return self.generations.get(entry_id, 0) + 1

    def dependents(self, entry_id: str) -> list[Entry]:
        """Entries built against `entry_id` (they must be rebuilt when it is replaced)."""
        return [self.entries[e] for e, deps in list(self.dependencies.items())
                if entry_id in deps and e in self.entries]

    # -- changes --------------------------------------------------------------------------
    def register(self, entry: Entry, built: Built, *, callable_: bool, generation: int,
                 dependencies: set[str]) -> Built | None:
        """Make `built` the serving generation of `entry`; return the one it replaces (the
        caller retires it once dependents are rebuilt)."""
        entry_id = entry.id
        old = self.built.get(entry_id)
        self.built[entry_id] = built
        self.entries[entry_id] = entry
        self.failed.pop(entry_id, None)
        self.generations[entry_id] = generation
        self.dependencies[entry_id] = dependencies
        key = entry_id.encode()
        if callable_:
            for hook in self.on_target:
                hook(built)
            self.targets[entry_id] = built
            self.targets_by_bytes[key] = built
        else:
            self.targets.pop(entry_id, None)
            self.targets_by_bytes.pop(key, None)
        return old

    def fail(self, entry: Entry, error: WippyError) -> None:
        """Remember that `entry` failed to build (what served before keeps serving)."""
        self.failed[entry.id] = (entry, error)

    def remove(self, entry_id: str) -> Built | None:
        """Forget `entry_id`; return its built object (the caller retires it)."""
        built = self.built.pop(entry_id, None)
        self.entries.pop(entry_id, None)
        self.failed.pop(entry_id, None)
        self.dependencies.pop(entry_id, None)
        self.targets.pop(entry_id, None)
        self.targets_by_bytes.pop(entry_id.encode(), None)
        return built

    def clear(self) -> list[Built]:
        """Forget every built object; return them (shutdown retires them)."""
        built = list(self.built.values())
        self.built.clear()
        self.targets.clear()
        self.targets_by_bytes.clear()
        return built
