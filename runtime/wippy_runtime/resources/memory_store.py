"""The memory store behind `store.memory` entries: an in-process key-value map the Lua
`store` module reads and writes.

Wippy's fields: `max_size` (entries kept, 0 means the default of 10000; the least recently used
key is evicted beyond it) and `cleanup_interval` (how often expired keys are swept; here expired
keys are dropped when they are next touched and on every write, so no sweeper thread runs).
Values are kept as plain data (what a Lua value converts to), so one store is shared safely by
every Lua state and thread; the store lives as long as its entry generation does.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

DEFAULT_MAX_SIZE = 10000
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)$")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass
class StoredItem:
    value: Any
    version: int
    expires: float | None  # time.monotonic() deadline, None for no TTL


class MemoryStore:
    """A thread-safe LRU map of key -> plain value with optional per-key TTL."""

    backend = "memory"

    def __init__(self, max_size: int = DEFAULT_MAX_SIZE) -> None:
        self.max_size = max_size or DEFAULT_MAX_SIZE
        self._items: OrderedDict[str, StoredItem] = OrderedDict()
        self._lock = threading.Lock()
        self._version = 0

    def _live(self, key: str) -> StoredItem | None:
        item = self._items.get(key)
        if item is None:
            return None
        if item.expires is not None and item.expires <= time.monotonic():
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return item

    def get(self, key: str) -> StoredItem | None:
        with self._lock:
            return self._live(key)

    def has(self, key: str) -> bool:
        return self.get(key) is not None

    def set(self, key: str, value: Any, ttl: float = 0.0, *, only_if_absent: bool = False,
            if_version: int | None = None) -> StoredItem | None:
        """Store `value`; None when a condition (`only_if_absent`, `if_version`) fails."""
        with self._lock:
            current = self._live(key)
            if only_if_absent and current is not None:
                return None
            if if_version is not None and (current is None or current.version != if_version):
                return None
            self._version += 1
            expires = time.monotonic() + ttl if ttl > 0 else None
            item = self._items[key] = StoredItem(value, self._version, expires)
            self._items.move_to_end(key)
            self._sweep()
            return item

    def delete(self, key: str) -> bool:
        with self._lock:
            return self._live(key) is not None and self._items.pop(key, None) is not None

    def items(self, prefix: str = "", after: str = "") -> list[tuple[str, StoredItem]]:
        with self._lock:
            now = time.monotonic()
            return sorted((k, v) for k, v in self._items.items()
                          if k.startswith(prefix) and k > after
                          and (v.expires is None or v.expires > now))

    def __len__(self) -> int:
        return len(self._items)

    def _sweep(self) -> None:
        now = time.monotonic()
        for key in [k for k, v in self._items.items() if v.expires is not None
                    and v.expires <= now]:
            del self._items[key]
        while len(self._items) > self.max_size:
            self._items.popitem(last=False)


def parse_duration(text: Any) -> float | None:
    """A Go-style duration ("1m", "30s", "1.5h") in seconds; None if it is not one."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    if not isinstance(text, str):
        return None
    total, rest = 0.0, text.strip()
    if not rest:
        return None
    for part in re.findall(r"\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h)", rest):
        m = _DURATION.match(part)
        assert m is not None
        total += float(m.group(1)) * _UNITS[m.group(2)]
    if "".join(re.findall(r"\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h)", rest)) != rest:
        return None
    return total
