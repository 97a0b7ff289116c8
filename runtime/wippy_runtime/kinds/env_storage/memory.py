"""`env.storage.memory`: values held in this process, empty at load, writable."""

from __future__ import annotations

import threading

from ...registry import Entry
from ..base import BuildContext
from . import EnvStorage


class MemoryStorage(EnvStorage):
    def __init__(self, entry: Entry) -> None:
        super().__init__(entry)
        self._values: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        return self._values.get(key)

    def set(self, key: str, value: str) -> None:
        with self._lock:
            self._values[key] = value

    def delete(self, key: str) -> None:
        with self._lock:
            self._values.pop(key, None)

    def list(self) -> dict[str, str]:
        with self._lock:
            return dict(self._values)


def build_memory_storage(entry: Entry, ctx: BuildContext) -> MemoryStorage:
    return MemoryStorage(entry)
