"""Applying definitions: entries -> kind handlers -> the live registry.

A batch of entries is built in order; a reference to an entry of the same batch that has not
been built yet builds it on demand (so definition order within a project does not matter), and
a reference back into the chain being built is a cycle. Replacing an entry builds the new
generation first; only when that succeeds is it registered and the old one retired (its
in-flight calls finish on it), and the entries built against it are rebuilt. A failed build
leaves whatever was serving before in place and is remembered in the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .errors import LoadError, ValidationError, WippyError
from .kinds import HANDLERS
from .kinds.base import Target
from .registry import Entry
from .registry.ids import InvalidIdError
from .registry.live import Registry
from .scheduler.limits import check_current


@dataclass
class _Batch:
    """Entries being applied together: lets a reference build its target on demand."""

    pending: dict[str, Entry] = field(default_factory=dict)
    building: list[str] = field(default_factory=list)
    done: set[str] = field(default_factory=set)
    errors: list[LoadError] = field(default_factory=list)


class BuildContext:
    """What a kind handler gets while building one entry (kinds/base.py `BuildContext`)."""

    def __init__(self, builder: Builder, entry: Entry, batch: _Batch, generation: int) -> None:
        self.runtime = builder.services
        self.entry = entry
        self.batch = batch
        self.generation = generation
        self.dependencies: set[str] = set()
        self._builder = builder

    def resolve(self, entry: Entry, ref: str, expected_kind: str | None = None) -> Any:
        """The built object `ref` names (building it first if it is pending in this batch)."""
        field_name = {"fs.directory": "fs", "library.lua": "imports"}.get(expected_kind or "")
        try:
            ref_id = entry.ref(ref)
        except InvalidIdError as exc:
            raise entry.error(ValidationError, exc.message, field_name) from None
        self.dependencies.add(ref_id)
        batch, registry = self.batch, self._builder.registry
        if ref_id in batch.building:
            chain = " -> ".join(batch.building + [ref_id])
            raise entry.error(ValidationError, f"reference cycle: {chain}", field_name)
        if ref_id in batch.pending and ref_id not in batch.done:
            self._builder.build_pending(ref_id, batch)
        built = registry.built.get(ref_id)
        if built is None:
            failed = registry.failed.get(ref_id)
            why = f" (it failed to load: {failed[1].message})" if failed else ""
            what = expected_kind or "entry"
            raise entry.error(LoadError, f"{what} {ref_id} not found{why}", field_name)
        if expected_kind and built.entry.kind != expected_kind:
            raise entry.error(ValidationError, f"{ref_id} is a {built.entry.kind}, expected "
                              f"{expected_kind}", field_name)
        return built


class Builder:
    """Builds entries into `registry`; `services` is what kind handlers may use (the
    Runtime), `warn` records a problem found while rebuilding a dependent."""

    def __init__(self, registry: Registry, services: Any, warn: Callable[[str], None]) -> None:
        self.registry = registry
        self.services = services
        self._warn = warn

    def apply(self, entries: Iterable[Entry]) -> list[LoadError]:
        """Build and register entries; return the errors (one per entry that failed)."""
        batch = _Batch()
        order: list[str] = []
        for entry in entries:
            first = batch.pending.get(entry.id)
            if first is not None:
                where = f"{first.origin.file}:{first.origin.line}" if first.origin.file else "above"
                batch.errors.append(entry.error(ValidationError,
                                                f"duplicate entry id (first defined at {where})"))
                continue
            batch.pending[entry.id] = entry
            order.append(entry.id)
        for entry_id in order:
            check_current()  # interrupted: stop between entries
            if entry_id not in batch.building:
                self.build_pending(entry_id, batch)
        return batch.errors

    def build_pending(self, entry_id: str, batch: _Batch) -> None:
        entry = batch.pending[entry_id]
        if entry_id in batch.done:
            return  # already built on demand by a reference earlier in this batch
        batch.done.add(entry_id)
        batch.building.append(entry_id)
        try:
            self._build(entry, batch)
        except LoadError as exc:
            self.registry.fail(entry, exc)
            batch.errors.append(exc)
        except WippyError as exc:
            err = entry.error(LoadError, exc.message, exc.field, source_line=exc.source_line,
                              source_column=exc.source_column, traceback=exc.traceback)
            self.registry.fail(entry, err)
            batch.errors.append(err)
        finally:
            batch.building.remove(entry_id)

    def _build(self, entry: Entry, batch: _Batch) -> None:
        handler = HANDLERS.get(entry.kind)
        if handler is None:
            raise entry.error(ValidationError, f"unknown kind {entry.kind!r}", "kind")
        generation = self.registry.next_generation(entry.id)
        ctx = BuildContext(self, entry, batch, generation)
        built = handler(entry, ctx)
        old = self.registry.register(entry, built, callable_=isinstance(built, Target),
                                     generation=generation, dependencies=ctx.dependencies)
        if old is not None:
            old.retire()
            self._rebuild_dependents(entry.id)

    def _rebuild_dependents(self, entry_id: str) -> None:
        """Entries built against the replaced one (imports, fs) are rebuilt on the new one."""
        for dependent in self.registry.dependents(entry_id):
            for err in self.apply([dependent]):
                self._warn(f"rebuilding {dependent.id} after {entry_id} changed: {err}")
