"""Watching a loaded project: edits to its files replace the changed entries live.

Wippy itself has no file watcher (changes go through registry updates); this
is the notebook's convenience. A poller thread (portable, no extra dependency) fingerprints
every file under the project by (mtime, size); when something changes it re-reads the
definitions and applies only what changed: entries whose definition differs, entries whose
`file://` source or `.wasm` binary changed, new entries, and entries that disappeared (removed).
The runtime's usual contract holds: a replacement that fails to build leaves the old version
serving, and the failure is reported.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import LoadError
from .registry.entry import FILE_SCHEME, Entry
from .registry.loader import SKIP_DIRS, load_path

if TYPE_CHECKING:
    from .runtime import Runtime


@dataclass
class WatchEvent:
    """What one round of changes did."""

    changed_files: list[Path]
    replaced: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)

    def summary(self) -> str:
        parts = []
        for label, ids in (("replaced", self.replaced), ("added", self.added),
                           ("removed", self.removed)):
            if ids:
                parts.append(f"{label} {', '.join(ids)}")
        if self.errors:
            parts.append(f"{len(self.errors)} error(s): " + "; ".join(str(e) for e in
                                                                        self.errors))
        names = ", ".join(p.name for p in self.changed_files[:3])
        more = f" (+{len(self.changed_files) - 3})" if len(self.changed_files) > 3 else ""
        return f"{names}{more} changed: " + ("; ".join(parts) or "no entry affected")


def _fingerprint(root: Path) -> dict[Path, tuple[int, int]]:
    files = [root] if root.is_file() else [
        p for p in root.rglob("*") if p.is_file() and not any(
            part in SKIP_DIRS or part.startswith(".") for part in p.relative_to(root).parts)]
    out = {}
    for p in files:
        try:
            st = p.stat()
        except OSError:
            continue
        out[p] = (st.st_mtime_ns, st.st_size)
    return out


def _source_file(entry: Entry) -> Path | None:
    source = entry.data.get("source")
    if isinstance(source, str) and source.startswith(FILE_SCHEME):
        return (entry.origin.base_dir / source[len(FILE_SCHEME):]).resolve()
    return None


class ProjectWatcher:
    """Polls `path` every `interval` seconds and calls `on_change(event)` after applying."""

    def __init__(self, runtime: Runtime, path: str | Path,
                 on_change: Callable[[WatchEvent], None], interval: float = 0.5) -> None:
        self.runtime = runtime
        self.path = Path(path).resolve()
        self.on_change = on_change
        self.interval = interval
        self._known = _fingerprint(self.path)
        self._ids = {e.id for e in load_path(self.path).entries}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"watch {self.path.name}",
                                        daemon=True)

    def start(self) -> ProjectWatcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            event = self.poll()
            if event is not None:
                # a broken callback must not stop watching
                with contextlib.suppress(Exception):
                    self.on_change(event)

    def poll(self) -> WatchEvent | None:
        """Check once; apply and return what changed, or None when nothing did."""
        now = _fingerprint(self.path)
        changed = sorted(p for p in set(now) | set(self._known)
                         if now.get(p) != self._known.get(p))
        if not changed:
            return None
        self._known = now
        changed_set = set(changed)
        report = load_path(self.path)
        event = WatchEvent(changed_files=changed, errors=list(report.errors))
        rt = self.runtime
        to_apply = []
        for entry in report.entries:
            current = rt.entries.get(entry.id)
            if current is None:
                event.added.append(entry.id)
                to_apply.append(entry)
            elif (current.to_definition() != entry.to_definition()
                  or _source_file(entry) in changed_set
                  or (entry.kind in ("function.wasm", "process.wasm")
                      and any(p.suffix == ".wasm" for p in changed))
                  or entry.id in rt.failed):
                event.replaced.append(entry.id)
                to_apply.append(entry)
        event.errors.extend(rt.apply(to_apply))
        new_ids = {e.id for e in report.entries}
        for gone in sorted(self._ids - new_ids):
            if gone in rt.entries:
                rt.remove(gone)
                event.removed.append(gone)
        self._ids = new_ids
        return event
