"""`store.memory`: an in-process key-value store (resources/memory_store.py) the Lua `store`
module reads and writes; Wippy's fields `max_size` and `cleanup_interval` are checked here."""

from __future__ import annotations

from ..errors import ValidationError
from ..registry import Entry
from ..resources.memory_store import DEFAULT_MAX_SIZE, MemoryStore, parse_duration
from .base import BuildContext, EntryInfo, Resource

__all__ = ["DEFAULT_MAX_SIZE", "MemoryStore", "StoreMemory", "build_store_memory"]


class StoreMemory(Resource):
    kind = "store.memory"

    def __init__(self, entry: Entry, store: MemoryStore) -> None:
        super().__init__(entry)
        self.store = store

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry.id, self.kind,
                         detail={"keys": len(self.store), "max_size": self.store.max_size})


def build_store_memory(entry: Entry, ctx: BuildContext) -> StoreMemory:
    max_size = entry.data.get("max_size", 0) or 0
    if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 0:
        raise entry.error(ValidationError, "max_size must be a non-negative integer "
                          "(0 means the default, 10000)", "max_size")
    interval = entry.data.get("cleanup_interval")
    if interval is not None:
        seconds = parse_duration(interval)
        if seconds is None or seconds < 0:
            raise entry.error(ValidationError, f"cleanup_interval {interval!r} is not a "
                              "non-negative duration such as \"1m\" or \"30s\"",
                              "cleanup_interval")
    return StoreMemory(entry, MemoryStore(max_size))
