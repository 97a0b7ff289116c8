"""Component instances shared by the inline entries of one binary.

Wippy calls one export per entry, but a component's resources only make sense inside the
instance that created them: `[constructor]counter` in one entry and `[method]counter.get` in
another must run on the same instance for the handle to mean anything. So every entry that
runs the same component bytes with the same host imports on an *inline* pool shares one warm
instance (and one lock, so calls stay serialised as an inline pool's are). A trap breaks the
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


class GroupOwner:
    """The thread that last took the group's lock (0: none): the inline pools of the group
    share it (scheduler/pools/inline.py `Owner`), so a thread that finds the lock taken and
    sees its own ident here is making a re-entrant call (component -> `funcs` -> an entry of
    the same group) and must not wait for the lock it holds.
    """

    __slots__ = ("ident",)

    def __init__(self) -> None:
        self.ident = 0


class InstanceGroups:
    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._current: dict[Hashable, SharedInstance] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._owners: dict[Hashable, GroupOwner] = {}
        self._on_reset: dict[Hashable, list[weakref.WeakMethod]] = {}

    def lock(self, key: Hashable) -> threading.Lock:
        """The call lock every entry of the group uses as its inline pool lock."""
        with self._mutex:
            return self._locks.setdefault(key, threading.Lock())

    def owner(self, key: Hashable) -> GroupOwner:
        with self._mutex:
            return self._owners.setdefault(key, GroupOwner())

    def on_reset(self, key: Hashable, callback: Callable[[SharedInstance], None]) -> None:
        """Call `callback(broken)` (a bound method, held weakly) when the group's shared
        instance is discarded, so members can stop using it."""
        with self._mutex:
            members = self._on_reset.setdefault(key, [])
            members[:] = [m for m in members if m() is not None]
            members.append(weakref.WeakMethod(callback))  # type: ignore[arg-type]

    def clear(self) -> None:
        """Drop every shared instance (runtime shutdown: stores with custom stdio must be
        freed before the interpreter exits, stack-notes §3)."""
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
