"""The `system` module: memory, GC, runtime, process and supervisor introspection.

The real module reports Go's runtime; here the same questions get the Python process's answers:
- `memory.stats()`: `alloc`/`heap_alloc` are the resident set size, `sys`/`heap_sys` the virtual
  size (from /proc on Linux, `getrusage` peak elsewhere), `heap_objects` the interpreter's
  allocated blocks, `num_gc` the collections done by the cyclic GC;
- `gc.collect()` runs `gc.collect()`; `gc.set_percent(p)` maps Go's GOGC onto the generation-0
  threshold (100 % = CPython's default 700; a negative value disables the collector);
- `memory.set_limit`/`get_limit` and `runtime.max_procs` keep Go's soft memory limit and
  GOMAXPROCS as process-wide settings that are reported back but enforce nothing: CPython has
  neither knob (the Lua states have their own hard cap, `lua_max_memory`);
- `runtime.goroutines()` counts threads; `process.pid/hostname/cwd` are the OS's.
Node, cluster, raft, lock and hosts tables do not exist here (one node, no cluster).
Every function checks the real module's permission (`system.read` on `memory`, `system.gc` on
`gc`, ...) and, as there, a denial is `nil, err` of kind INVALID. Nothing raises.
"""

from __future__ import annotations

import gc
import os
import resource
import socket
import sys
import threading
from typing import TYPE_CHECKING, Any

from ...errors import INTERNAL, INVALID, NOT_FOUND, UNAVAILABLE
from ..convert import to_lua
from ._common import build, fail

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

NO_LIMIT = 2**63 - 1
_GC_BASE = 700  # CPython's default generation-0 threshold, standing for GOGC=100


class _Settings:
    """Process-wide, like the Go runtime settings they stand for."""

    lock = threading.Lock()
    memory_limit = NO_LIMIT
    max_procs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)


def _memory() -> tuple[int, int]:
    """(resident bytes, virtual bytes) of this process."""
    try:
        with open("/proc/self/statm") as f:
            size, resident = (int(x) for x in f.read().split()[:2])
        page = os.sysconf("SC_PAGE_SIZE")
        return resident * page, size * page
    except (OSError, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak *= 1 if sys.platform == "darwin" else 1024
        return peak, peak


def _stats() -> dict[str, int]:
    rss, vms = _memory()
    collections = sum(s["collections"] for s in gc.get_stats())
    return {"alloc": rss, "total_alloc": rss, "sys": vms, "heap_alloc": rss, "heap_sys": vms,
            "heap_idle": max(vms - rss, 0), "heap_in_use": rss, "heap_released": 0,
            "heap_objects": sys.getallocatedblocks(), "stack_in_use": 0, "stack_sys": 0,
            "mspan_in_use": 0, "mspan_sys": 0, "num_gc": collections,
            "next_gc": gc.get_threshold()[0]}


def _integer(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value)


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua
    security = runtime.security

    def guard(action: str, resource_name: str) -> Any:
        if security.allowed(action, resource_name):
            return None
        return fail(f"permission denied: {action} on {resource_name}", INVALID)

    def reader(resource_name: str, produce: Any) -> Any:
        def read(*_: Any) -> Any:
            return guard("system.read", resource_name) or (produce(), None)
        return read

    def set_limit(*args: Any) -> Any:
        denied = guard("system.control", "memory_limit")
        if denied:
            return denied
        if not args or args[0] is None:
            return fail("system.memory.set_limit: memory limit value required", INVALID)
        limit = _integer(args[0])
        if limit is None:
            return fail("system.memory.set_limit: limit must be an integer", INVALID)
        if limit < -1:
            return fail("system.memory.set_limit: limit must be non-negative or -1", INVALID)
        with _Settings.lock:
            previous = _Settings.memory_limit
            _Settings.memory_limit = NO_LIMIT if limit == -1 else limit
        return previous, None

    def get_percent() -> int:
        if not gc.isenabled():
            return 100  # Go reports "off" as the default too
        return round(gc.get_threshold()[0] * 100 / _GC_BASE)

    def set_percent(*args: Any) -> Any:
        denied = guard("system.gc", "gc_percent")
        if denied:
            return denied
        if not args or args[0] is None:
            return fail("system.gc.set_percent: percent value required", INVALID)
        percent = _integer(args[0])
        if percent is None:
            return fail("system.gc.set_percent: percent must be an integer", INVALID)
        with _Settings.lock:
            old = get_percent()
            if percent < 0:
                gc.disable()
            else:
                gc.enable()
                _, g1, g2 = gc.get_threshold()
                gc.set_threshold(max(1, percent * _GC_BASE // 100), g1, g2)
        return old, None

    def collect(*_: Any) -> Any:
        denied = guard("system.gc", "gc")
        if denied:
            return denied
        gc.collect()
        return True, None

    def max_procs(*args: Any) -> Any:
        if args and args[0] is not None:
            denied = guard("system.control", "gomaxprocs")
            if denied:
                return denied
            n = _integer(args[0])
            if n is None or n <= 0:
                return fail("system.runtime.max_procs: GOMAXPROCS value must be positive",
                            INVALID)
            with _Settings.lock:
                previous = _Settings.max_procs
                _Settings.max_procs = n
            return previous, None
        return guard("system.read", "gomaxprocs") or (_Settings.max_procs, None)

    def hostname(*_: Any) -> Any:
        denied = guard("system.read", "hostname")
        if denied:
            return denied
        try:
            return socket.gethostname().encode(), None
        except OSError as exc:
            return fail(f"get hostname: {exc}", INTERNAL)

    def cwd(*_: Any) -> Any:
        denied = guard("system.read", "cwd")
        if denied:
            return denied
        try:
            return os.getcwd().encode(), None
        except OSError as exc:
            return fail(f"get working directory: {exc}", INTERNAL)

    def modules(*_: Any) -> Any:
        denied = guard("system.read", "modules")
        if denied:
            return denied
        from . import MODULES
        rows = []
        for name, install_fn in sorted(MODULES.items()):
            doc = (sys.modules[install_fn.__module__].__doc__ or "").strip()
            rows.append({"name": name, "description": doc.split("\n", 1)[0], "class": []})
        return to_lua(lua, rows), None

    def exit_(*_: Any) -> Any:
        denied = guard("system.exit", "exit")
        if denied:
            return denied
        return fail("system.exit: this runtime runs inside its host (CLI or notebook), "
                    "which owns the process; stop it there", UNAVAILABLE)

    def supervisor_state(service_id: Any = None, *_: Any) -> Any:
        denied = guard("system.read", "supervisor")
        if denied:
            return denied
        shown = service_id.decode("utf-8", "replace") if isinstance(service_id, bytes) else ""
        return fail(f"system.supervisor.state: no supervised service {shown!r}", NOT_FOUND)

    state.bind("system", build(state, {
        "memory": {"stats": reader("memory", lambda: to_lua(lua, _stats())),
                   "allocated": reader("memory", lambda: _memory()[0]),
                   "heap_objects": reader("memory", sys.getallocatedblocks),
                   "set_limit": set_limit,
                   "get_limit": reader("memory_limit", lambda: _Settings.memory_limit)},
        "gc": {"collect": collect, "set_percent": set_percent,
               "get_percent": reader("gc_percent", get_percent)},
        "runtime": {"goroutines": reader("goroutines", threading.active_count),
                    "max_procs": max_procs,
                    "cpu_count": reader("cpu", lambda: os.cpu_count() or 1)},
        "process": {"pid": reader("pid", os.getpid), "hostname": hostname, "cwd": cwd},
        "supervisor": {"state": supervisor_state, "states": reader("supervisor", lua.table)},
        "exit": exit_,
        "modules": modules,
    }))
