"""Component instances shared by the inline entries of one binary.

Wippy calls one export per entry, but a component's resources only make sense inside the
instance that created them: `[constructor]counter` in one entry and `[method]counter.get` in
another must run on the same instance for the handle to mean anything. So every entry that
runs the same component bytes with the same host imports on an *inline* pool shares one warm
instance (and one gate, so calls stay serialised as an inline pool's are). A trap breaks the
shared instance for everyone: it is dropped, the group gets a fresh one on the next call, and
handles from the old one are no longer valid — the same as Wippy replacing a trapped instance.
Members hear of it through `on_reset` (no per-call check on the hot path).
Other pool types keep one instance per pool slot, as Wippy does.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Any


class SharedInstance:
    __slots__ = ("store", "instance", "broken")

    def __init__(self, store: Any, instance: Any) -> None:
        self.store = store
        self.instance = instance
        self.broken = False


class InstanceGroups:
    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._current: dict[Hashable, SharedInstance] = {}
        self._gates: dict[Hashable, Any] = {}
        self._on_reset: dict[Hashable, list[weakref.WeakMethod]] = {}

    def gate(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The one-call-at-a-time gate every entry of the group uses for its inline pool
        (made by `make` the first time: the scheduler's inline-pool gate)."""
        with self._mutex:
            gate = self._gates.get(key)
            if gate is None:
                gate = self._gates[key] = make()
            return gate

    def on_reset(self, key: Hashable, callback: Callable[[SharedInstance], None]) -> None:
        """Call `callback(broken)` (a bound method, held weakly) when the group's shared
        instance is discarded, so members can stop using it."""
        with self._mutex:
            members = self._on_reset.setdefault(key, [])
            members[:] = [m for m in members if m() is not None]
            members.append(weakref.WeakMethod(callback))

    def clear(self) -> None:
        """Drop every shared instance (runtime shutdown: stores with custom stdio must be
        freed before the interpreter exits)."""
        with self._mutex:
            shared, self._current = list(self._current.values()), {}
        for s in shared:
            s.broken = True
            s.store = s.instance = None

    def get(self, key: Hashable, create: Callable[[], tuple[Any, Any]]) -> SharedInstance:
        with self._mutex:
            shared = self._current.get(key)
        if shared is None or shared.broken:
            shared = SharedInstance(*create())
            with self._mutex:
                self._current[key] = shared
        return shared

    def discard(self, key: Hashable) -> None:
        """The group's instance trapped: nobody may use it again."""
        with self._mutex:
            shared = self._current.pop(key, None)
            members = list(self._on_reset.get(key, ()))
        if shared is not None:
            shared.broken = True
            for ref in members:
                callback = ref()
                if callback is not None:
                    callback(shared)
