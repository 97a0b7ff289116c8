"""What Lua modules may use of the runtime: the `runtime` argument of `install(state,
runtime)`.

A module gets the Runtime itself, but is written against this protocol, so `lua/` does not
import the runtime (it sits above `lua/`). These are the attributes modules use; a module that
needs something new adds it here first:

- `security`: settings (`strict_mode`, `lua_max_memory`), permission checks, policy lookup;
- `calls`: the call pipeline (calls.py): resolve, authorize, place, invoke;
- `registry` and `built`: the live registry and its built objects by id;
- `write_output` / `write_error`: where `print` and guest stdout/stderr go;
- `guard`: the execution guard (limits, interrupt) that Lua states arm their hook with;
- `warnings`: load warnings shown to people.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class LuaHost(Protocol):
    security: Any
    calls: Any
    registry: Any
    guard: Any
    warnings: list[str]
    #: the CLI's terminal context under `wippy run` (arguments, stdin), else None (`io`)
    terminal: Any

    @property
    def built(self) -> Mapping[str, Any]: ...

    def write_output(self, text: str) -> None: ...

    def write_error(self, text: str) -> None: ...

    def has_output_hook(self) -> bool: ...
