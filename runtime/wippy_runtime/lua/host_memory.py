"""What a Lua state holds on the Python side, counted against its memory cap.

Why: lupa's `max_memory` counts Lua's own allocations only. A payload (`payload.new(v)`
keeps a plain Python copy of `v`) or a value buffered in a channel (a Lua string arrives in
Python as a `bytes` copy) lives in Python memory, so without this account one entry could pin
a gigabyte behind a few kilobytes of Lua userdata. Holders charge their size when they take a
value and credit it when they let go (a payload when Python frees it, a channel slot when it
is received); a charge that would take Lua's usage plus the held bytes past the cap fails
with the same "Lua memory limit exceeded" error a Lua allocation gets.
"""

from __future__ import annotations

from typing import Any

from ..errors import CallError

#: what one held object costs besides its payload bytes (object headers, a deque slot)
OVERHEAD = 64


def plain_size(value: Any, budget: int = 1 << 62) -> int:
    """An estimate of the bytes a plain value holds (strings by length, containers by
    element); stops counting once `budget` is passed."""
    total = 0
    stack = [value]
    while stack and total <= budget:
        v = stack.pop()
        total += OVERHEAD
        if isinstance(v, (str, bytes, bytearray)):
            total += len(v)
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
    return total


class HostMemory:
    """The Python-side bytes of one Lua state."""

    __slots__ = ("lua", "limit", "held")

    def __init__(self, lua: Any, limit: int | None) -> None:
        self.lua = lua
        self.limit = limit
        self.held = 0

    def charge(self, n: int, what: str) -> None:
        """Take `n` bytes for `what`, or raise the memory-limit error (nothing is taken)."""
        limit = self.limit
        if limit:
            lua = self.lua
            used = lua.get_memory_used() if lua is not None else 0
            if used + self.held + n > limit:
                mib = limit / (1024 * 1024)
                raise CallError(f"Lua memory limit exceeded ({mib:g} MiB): {what} would hold "
                                f"{n} bytes beside {self.held} already held by payloads and "
                                "channels")
        self.held += n

    def credit(self, n: int) -> None:
        self.held -= n
