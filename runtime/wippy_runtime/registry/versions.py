"""Registry versions: every change to the runtime's set of entries is a numbered version, and the
runtime can be moved to any version (Wippy's `registry` history, snapshots and apply_version).

A version records the whole entry set as it was (a dict of id -> Entry; Entry objects are
shared between versions, so a version costs one dict). Changes made through `apply_changes`
become a version at once; changes made any other way (`Runtime.load`, `define`, a notebook's
`%%yaml`) are noticed the next time the history is consulted and recorded as a version of
their own, so the history never disagrees with what is live. Versions form a tree: applying
changes after moving back to an old version starts a branch from it (`previous()` is the
parent).

Entries reach the live runtime only through its public `apply` and `remove`, and an operation
set that fails to build is undone, leaving the runtime as it was.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import ALREADY_EXISTS, INTERNAL, INVALID, NOT_FOUND, WippyError
from .entry import Entry


class EntryHost(Protocol):
    """What the history needs of the runtime (its entries and the public way to change them);
    a protocol so that `registry/` does not import the runtime above it."""

    @property
    def entries(self) -> Mapping[str, Entry]: ...

    @property
    def failed(self) -> Mapping[str, tuple[Entry, Any]]: ...

    def apply(self, entries: Iterable[Entry]) -> list[Any]: ...

    def remove(self, entry_id: str) -> None: ...

CREATE, UPDATE, DELETE = "entry.create", "entry.update", "entry.delete"
OP_KINDS = (CREATE, UPDATE, DELETE)


class RegistryError(WippyError):
    """A change set or version that cannot be applied; `details` lists per-entry errors."""

    def __init__(self, message: str, *, kind: str = INTERNAL,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message, kind=kind)
        self.details = details


@dataclass(frozen=True)
class Operation:
    kind: str
    entry: Entry


@dataclass(eq=False)
class Version:
    id: int
    parent: Version | None
    state: dict[str, Entry] = field(repr=False)
    ops: tuple[Operation, ...] = field(default=(), repr=False)

    def __str__(self) -> str:
        return f"Version{{id={self.id}, entries={len(self.state)}}}"


def live_state(runtime: EntryHost) -> dict[str, Entry]:
    """Every entry the runtime holds, built or failed to build (both are registry entries)."""
    state = {entry_id: pair[0] for entry_id, pair in list(runtime.failed.items())}
    state.update(runtime.entries)
    return state


def _same(a: dict[str, Entry], b: dict[str, Entry]) -> bool:
    return a.keys() == b.keys() and all(a[k] is b[k] for k in a)


class History:
    """The versions of one runtime's registry and which one is current."""

    def __init__(self, runtime: EntryHost) -> None:
        self.runtime = runtime
        self.lock = threading.RLock()
        self.versions: dict[int, Version] = {}
        self.current: Version | None = None
        #: listeners called with (operations) after a change is applied (event publishing)
        self.listeners: list[Any] = []
        #: set once the registry's changes are published on the runtime's event bus
        self.publishing = False

    def _record(self, state: dict[str, Entry], ops: tuple[Operation, ...] = ()) -> Version:
        version = Version(max(self.versions, default=0) + 1, self.current, state, ops)
        self.versions[version.id] = version
        self.current = version
        return version

    def sync(self) -> Version:
        """The current version, recording the live state first if it changed elsewhere."""
        with self.lock:
            live = live_state(self.runtime)
            if self.current is None or not _same(live, self.current.state):
                self._record(live)
            assert self.current is not None
            return self.current

    def get(self, version_id: int) -> Version | None:
        with self.lock:
            self.sync()
            return self.versions.get(version_id)

    def all(self) -> list[Version]:
        with self.lock:
            self.sync()
            return [self.versions[k] for k in sorted(self.versions)]

    def next_of(self, version: Version) -> Version | None:
        with self.lock:
            children = [v for v in self.versions.values() if v.parent is version]
            return min(children, key=lambda v: v.id) if children else None

    # -- changing the live runtime --------------------------------------------------------
    def apply_changes(self, ops: Iterable[Operation]) -> Version:
        """Apply create/update/delete operations as one new version, or raise RegistryError
        (nothing changed). Operations are checked against the state as a whole first."""
        ops = tuple(ops)
        if not ops:
            raise RegistryError("no changes to apply", kind=INVALID)
        with self.lock:
            base = self.sync()
            state = dict(base.state)
            for op in ops:
                entry_id = op.entry.id
                if op.kind == CREATE and entry_id in state:
                    raise RegistryError(f"cannot create {entry_id}: entry already exists",
                                        kind=ALREADY_EXISTS)
                if op.kind in (UPDATE, DELETE) and entry_id not in state:
                    raise RegistryError(f"cannot {op.kind.split('.')[1]} {entry_id}: entry "
                                        "does not exist", kind=NOT_FOUND)
                if op.kind == UPDATE and state[entry_id].kind != op.entry.kind:
                    raise RegistryError(f"cannot update {entry_id}: kind change from "
                                        f"{state[entry_id].kind} to {op.entry.kind}",
                                        kind=INVALID)
                if op.kind == DELETE:
                    del state[entry_id]
                else:
                    state[entry_id] = op.entry
            self._transition(base.state, state)
            version = self._record(live_state(self.runtime), ops)
        self._notify(ops)
        return version

    def apply_version(self, target: Version) -> None:
        """Make the live runtime what `target` recorded; it becomes the current version."""
        with self.lock:
            base = self.sync()
            if base is target:
                return
            ops = self._transition(base.state, target.state)
            self.current = target
        self._notify(ops)

    def _transition(self, old: dict[str, Entry], new: dict[str, Entry]) -> tuple[Operation, ...]:
        """Move the runtime from `old` to `new`; undo and raise RegistryError on failure."""
        rt = self.runtime
        deletes = [k for k in old if k not in new]
        upserts = [new[k] for k in new if old.get(k) is not new[k]]
        errors = rt.apply(upserts) if upserts else []
        failed_ids = [e.entry for e in errors if getattr(e, "entry", None)]
        if errors:
            self._restore(old, [e.id for e in upserts])
            details = {"count": len(errors), "summary": "; ".join(str(e) for e in errors[:5]),
                       "errors": [{"id": i, "error": str(e)} for i, e in
                                  zip(failed_ids, errors, strict=False)]}
            raise RegistryError(f"apply changes: {len(errors)} entr"
                                f"{'y' if len(errors) == 1 else 'ies'} failed to build: "
                                f"{details['summary']}", details=details)
        for entry_id in deletes:
            # KeyError: it had failed to build; remove() forgot it all the same
            with contextlib.suppress(KeyError):
                rt.remove(entry_id)
        ops = [Operation(DELETE, old[k]) for k in deletes]
        ops += [Operation(UPDATE if e.id in old else CREATE, e) for e in upserts]
        return tuple(ops)

    def _restore(self, old: dict[str, Entry], touched: list[str]) -> None:
        """Put back what `touched` ids were in `old` (or remove them if they were not)."""
        rt = self.runtime
        back = [old[k] for k in touched if k in old]
        for entry_id in touched:
            if entry_id not in old:
                with contextlib.suppress(KeyError):
                    rt.remove(entry_id)
        if back:
            rt.apply(back)

    def _notify(self, ops: tuple[Operation, ...]) -> None:
        for listener in list(self.listeners):
            listener(ops)


def history_of(runtime: EntryHost) -> History:
    """The runtime's registry history (made on first use; one per runtime)."""
    history = runtime.__dict__.get("registry_history")
    if history is None:
        history = runtime.__dict__.setdefault("registry_history", History(runtime))
    return history


def build_delta(old: Iterable[Entry], new: Iterable[Entry]) -> list[Operation]:
    """The operations that turn entry set `old` into `new` (compared by id, kind, meta, data)."""
    before = {e.id: e for e in old}
    after = {e.id: e for e in new}
    ops = [Operation(DELETE, before[k]) for k in before if k not in after]
    for k, e in after.items():
        prev = before.get(k)
        if prev is None:
            ops.append(Operation(CREATE, e))
        elif (prev.kind, prev.meta, prev.data) != (e.kind, e.meta, e.data):
            ops.append(Operation(UPDATE, e))
    return ops
