"""The runtime's event bus: `events.send(system, kind, path, data)` reaches every subscription
whose system pattern (and optional kind) matches, in any Lua execution, on any thread.

A subscription is delivered to through its own callback, which the Lua `events` module makes
post into the subscriber's dispatcher (Lua states are single-threaded), so `send` never runs Lua
code of another execution. Events carry plain data, converted into the receiving state there.
The registry publishes its changes here too (system `registry`, kinds `entry.create`,
`entry.update`, `entry.delete`, path the entry id).

Patterns are Wippy's: `*` matches one dot-separated segment or more at the end (`test.*`
matches `test.a` and `test.a.b`), a pattern without `*` matches exactly.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

REGISTRY_SYSTEM = "registry"


@dataclass(frozen=True)
class Event:
    system: str
    kind: str
    path: str
    data: Any = None

    def as_plain(self) -> dict[str, Any]:
        out = {"system": self.system, "kind": self.kind, "path": self.path}
        if self.data is not None:
            out["data"] = self.data
        return out


@lru_cache(maxsize=512)
def _pattern(text: str) -> re.Pattern[str]:
    parts = [re.escape(p) if p != "*" else None for p in text.split(".")]
    regex = ""
    for i, part in enumerate(parts):
        sep = r"\." if i else ""
        if part is None:
            regex += f"{sep}.+" if i == len(parts) - 1 else f"{sep}[^.]+"
        else:
            regex += sep + part
    return re.compile(f"^{regex}$")


def matches(pattern: str, value: str) -> bool:
    """Does a subscription pattern (`test.*`, `app.system`, `*`) match `value`?"""
    if "*" not in pattern:
        return pattern == value
    return _pattern(pattern).match(value) is not None


@dataclass(eq=False)
class Subscription:
    system: str
    kind: str | None
    deliver: Callable[[Event], None]
    bus: EventBus | None = field(default=None, repr=False)

    def wants(self, event: Event) -> bool:
        return matches(self.system, event.system) and (
            self.kind is None or matches(self.kind, event.kind))

    def close(self) -> None:
        bus, self.bus = self.bus, None
        if bus is not None:
            bus.unsubscribe(self)


class EventBus:
    """Subscriptions by pattern; `publish` is safe from any thread."""

    def __init__(self) -> None:
        self._subs: list[Subscription] = []
        self._lock = threading.Lock()

    def subscribe(self, system: str, kind: str | None,
                  deliver: Callable[[Event], None]) -> Subscription:
        sub = Subscription(system, kind, deliver, self)
        with self._lock:
            self._subs = [*self._subs, sub]
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs = [s for s in self._subs if s is not sub]

    def publish(self, event: Event) -> int:
        """Deliver to every matching subscription; return how many got it."""
        n = 0
        for sub in self._subs:  # a copy-on-write list: no lock while delivering
            if sub.wants(event):
                sub.deliver(event)
                n += 1
        return n

    def __len__(self) -> int:
        return len(self._subs)


def bus_of(runtime: Any) -> EventBus:
    """The runtime's event bus (made on first use; one per runtime)."""
    bus = runtime.__dict__.get("event_bus")
    if bus is None:
        bus = runtime.__dict__.setdefault("event_bus", EventBus())
    return bus
