"""Which Lua state is running on this thread.

A Python function called from Lua is not told which state called it; the few that must build
values in the caller's state (an error's details as a table) ask here. Executions nest on one
thread (a `funcs.call` into another Lua entry runs inline), so this is a stack per thread.
"""

from __future__ import annotations

import threading
from typing import Any

_local = threading.local()


def push_active(lua: Any) -> None:
    """Mark `lua` as the state running on this thread until the matching `pop_active`."""
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    stack.append(lua)


def pop_active() -> None:
    _local.stack.pop()


def active_lua() -> Any:
    """The innermost Lua runtime executing on this thread, or None."""
    stack = getattr(_local, "stack", None)
    return stack[-1] if stack else None
