"""What a WASM target needs around its instances: the hosts it links, its stores, and how its
link-up is described.

`HostContext` carries the declared host profiles, the resolved `wasi:` block, the call
pipeline the `funcs` host calls into, and where load warnings go; `new_store` makes a store
configured for the entry's WASI (and wasi:http) hosts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import wasmtime

from ..errors import CallError
from ..scheduler.limits import limit_error
from ..wasm.engine import WasmEngine, trap_message
from ..wasm.host_linking import LinkPlan
from ..wasm.host_profiles import Profile
from ..wasm.wasi_config import MissingEnvError, WasiSetup
from .wasm_config import MAX_TABLE_ELEMENTS


class HostContext:
    """The hosts of one WASM entry: declared profiles, `wasi:` setup, the `calls` pipeline
    (for the `funcs` host), the execution guard (limits) and the warnings list."""

    def __init__(self, declared: tuple[Profile, ...], setup: WasiSetup, *, calls: Any,
                 guard: Any, warnings: list[str], start_function: str | None = None) -> None:
        self.declared = declared
        self.setup = setup
        self.calls = calls
        self.guard = guard
        self._warnings = warnings
        #: the start function instantiation runs (wasm/binary.py `start_function`), if any:
        #: what an instantiation that stopped or trapped in guest code names
        self.start_function = start_function

    def warn(self, lines: list[str]) -> None:
        """Record load warnings once (a rebuild of the same entry does not repeat them)."""
        for line in lines:
            if line not in self._warnings:
                self._warnings.append(line)

    def limited(self, store: wasmtime.Store, fn: Callable[[tuple], Any],
                limit_ms: int, entry: str = "") -> Callable[[tuple], Any]:
        """`fn`, trapping after `limit_ms` (the scheduler's guard; only limited entries pay)."""
        return self.guard.limited(store, fn, limit_ms, entry) if limit_ms else fn


def new_store(engine: WasmEngine, entry_id: str, setup: WasiSetup | None,
              http: bool = False, max_memory_bytes: int = 0) -> wasmtime.Store:
    """A store, with WASI configured when the entry links any WASI host, its linear memory
    capped at `max_memory_bytes` (0: no cap; `memory.grow` past it returns -1) and its tables
    at MAX_TABLE_ELEMENTS (wasmtime's store limiter)."""
    store = engine.new_store()
    store.set_limits(memory_size=max_memory_bytes or -1, table_elements=MAX_TABLE_ELEMENTS)
    if setup is not None:
        try:
            store.set_wasi(setup.config())
        except MissingEnvError as exc:
            raise CallError(exc.message, entry=entry_id) from None
        if http:
            store.set_wasi_http()
    return store


def instantiate(hosts: HostContext, store: wasmtime.Store, entry_id: str, limit_ms: int,
                make: Callable[[], Any]) -> Any:
    """`make()` (the linker's instantiate, which runs the start function) under the entry's
    `max_execution_ms` and reachable by `Runtime.interrupt()`: a start function that loops
    fails with TIMEOUT or CANCELED naming the entry instead of hanging the load."""
    try:
        with hosts.guard.instantiating(store, entry_id, limit_ms):
            return make()
    except (wasmtime.WasmtimeError, wasmtime.Trap) as exc:
        # Guest code runs during instantiation only in the start function: a limit that
        # fired, or a trap with guest frames, happened there (a data segment out of bounds
        # traps with no frames).
        start = hosts.start_function
        limited = limit_error(entry_id, str(exc))
        if limited is not None:
            where = f" in start function {start}" if start else ""
            raise CallError(f"instantiation stopped{where}: {limited.message}", entry=entry_id,
                            kind=limited.kind) from None
        where = f" in start function {start}" if start and _guest_frames(exc) else ""
        raise CallError(f"instantiation failed{where}: {trap_message(exc)}",
                        entry=entry_id) from None


def _guest_frames(exc: BaseException) -> bool:
    frames = getattr(exc, "frames", None) if isinstance(exc, wasmtime.Trap) else None
    return bool(frames)


def imports_detail(plan: LinkPlan, setup: WasiSetup) -> dict[str, Any]:
    """How the entry's imports were linked, for `EntryInfo.detail`."""
    detail: dict[str, Any] = {"imports": plan.detail()}
    if setup.args or setup.env or setup.mounts or setup.cwd != "/":
        detail["wasi"] = setup.detail()
    return detail
