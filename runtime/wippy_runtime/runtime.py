"""The Runtime: composes the live registry, the builder, the WASM engine, security, tracing
and the output sinks, and is the public API (load / define / call / interrupt / describe).

Data flows one way: definitions (YAML or API) -> `Entry` -> `Builder` (build.py) runs the kind
handler -> a `Target` (callable, with its pool) or a resource -> the `Registry`
(registry/live.py), read by `funcs.call` and `Runtime.call`. Layers below do not import this
module: they get the Runtime as the narrow protocols of services.py.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .build import Builder
from .calls import Calls
from .errors import (
    INVALID,
    CallError,
    LoadError,
    ValidationError,
    WippyError,
)
from .kinds.base import EntryInfo, Resource, Target
from .lua.convert import ConversionError, to_plain
from .registry import Entry, LoadReport, load_path, parse_definition_text
from .registry.ids import InvalidIdError, parse_id
from .registry.live import Registry
from .registry.loader import make_entry
from .scheduler.limits import Execution, ExecutionGuard
from .scheduler.pools import PoolStats
from .security import DEFAULT_LUA_MAX_MEMORY, Actor, Policy, Scope, Security
from .tracing import Tracer
from .wasm.engine import WasmEngine


class Runtime:
    """A Wippy runtime in this process. Thread-safe for calls; definitions are serialised."""

    def __init__(self, *, cache_dir: Path | None | bool = True,
                 output: Callable[[str], Any] | None = None,
                 error_output: Callable[[str], Any] | None = None, strict_mode: bool = False,
                 lua_max_memory: int | None = DEFAULT_LUA_MAX_MEMORY) -> None:
        self.wasm = WasmEngine(cache_dir)
        #: entries, built generations, failures, dependencies, the by-id lookups
        self.registry = Registry()
        #: settings (strict_mode, lua_max_memory), checks and policy lookup; see security/
        self.security = Security(self.registry, strict_mode=strict_mode,
                                 lua_max_memory=lua_max_memory)
        #: the terminal context (`wippy run`): WASI stdin and the `get-arguments` fallback;
        #: None elsewhere (the kernel has no terminal). Set before `load`, as instances made
        #: at load (signature probes) keep the WASI config they were created with.
        self.terminal: Any = None
        self._output = output
        self._error_output = error_output
        self.warnings: list[str] = []
        #: the one call pipeline (resolve, permission, placement, invoke, errors)
        self.calls = Calls(self.registry, self.security)
        self.builder = Builder(self.registry, self, self.warnings.append)
        #: call traces, off until `tracer.start()` (costs nothing while off)
        self.tracer = Tracer(self.registry)
        #: limits and interrupt for WASM stores and Lua states (scheduler/limits.py)
        self.guard = ExecutionGuard(self.wasm.engine)
        self.wasm.store_hooks.append(self.guard.attach)
        self.guard.add_busy_probe(self._busy_stores)

    # -- the registry's tables (read by tools and tests; the registry owns them) -----------
    @property
    def built(self) -> dict[str, Target | Resource]:
        return self.registry.built

    @property
    def entries(self) -> dict[str, Entry]:
        return self.registry.entries

    @property
    def failed(self) -> dict[str, tuple[Entry, WippyError]]:
        return self.registry.failed

    @property
    def targets(self) -> dict[str, Target]:
        return self.registry.targets

    @property
    def targets_by_bytes(self) -> dict[bytes, Target]:
        return self.registry.targets_by_bytes

    @property
    def generations(self) -> dict[str, int]:
        return self.registry.generations

    @property
    def dependencies(self) -> dict[str, set[str]]:
        return self.registry.dependencies

    # -- output ---------------------------------------------------------------------------
    def write_output(self, text: str) -> None:
        """Where Lua `print` and WASI stdout go: the CLI's stdout, or the kernel's current
        cell."""
        if self._output is not None:
            self._output(text)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()

    def has_output_hook(self) -> bool:
        """Is output routed somewhere other than this process's stdout (a notebook cell)?"""
        return self._output is not None

    def set_output(self, output: Callable[[str], Any] | None) -> None:
        self._output = output

    def write_error(self, text: str) -> None:
        """Where WASI stderr goes: the error hook if one is set, else the output hook (so a
        kernel that only routes output still shows it in the cell), else sys.stderr."""
        if self._error_output is not None:
            self._error_output(text)
        elif self._output is not None:
            self._output(text)
        else:
            sys.stderr.write(text)
            sys.stderr.flush()

    def set_error_output(self, output: Callable[[str], Any] | None) -> None:
        self._error_output = output

    def warn(self, message: str) -> None:
        """Record a load warning once (a rebuild of the same entry does not repeat it)."""
        if message not in self.warnings:
            self.warnings.append(message)

    # -- definitions ----------------------------------------------------------------------
    def load(self, path: str | Path) -> LoadReport:
        """Load a Wippy project tree (or one YAML file); errors are collected in the report,
        and the warnings the load produced (unknown fields, ...) in `report.warnings`."""
        # an execution of its own: `interrupt()` stops a load of a huge tree between files and
        # between entries (CallError CANCELED); what was built before stays built
        with self.guard.running(Execution(self.guard, "load", 0)):
            report = load_path(path)
            seen = len(self.warnings)
            report.errors.extend(self.apply(report.entries))
            report.warnings.extend(self.warnings[seen:])
        return report

    def load_text(self, text: str, *, base_dir: Path | None = None, file: str | None = None,
                  namespace: str | None = None) -> LoadReport:
        """Load definitions from YAML text (the `%%yaml` magic)."""
        report = parse_definition_text(text, file=file, base_dir=base_dir, namespace=namespace)
        seen = len(self.warnings)
        report.errors.extend(self.apply(report.entries))
        report.warnings.extend(self.warnings[seen:])
        return report

    def define(self, entry: Entry | dict[str, Any], *, namespace: str | None = None,
               base_dir: Path | None = None) -> Target | Resource:
        """Add or replace one entry; raise its LoadError if it does not build (the previous
        version, if any, keeps serving)."""
        if isinstance(entry, dict):
            d = dict(entry)
            if "id" in d:
                entry_id = str(d.pop("id"))
                try:
                    namespace, d["name"] = parse_id(entry_id)
                except InvalidIdError as exc:
                    raise ValidationError(exc.message, entry=entry_id, field="id") from None
            root = base_dir or Path.cwd()
            entry = make_entry(d, namespace or "", 0, None, None, None, root, root)
        errors = self.apply([entry])
        if errors:
            raise errors[0]
        return self.built[entry.id]

    def apply(self, entries: Iterable[Entry]) -> list[LoadError]:
        """Build and register entries; return the errors (one per entry that failed)."""
        return self.builder.apply(entries)

    def remove(self, entry_id: str) -> None:
        built = self.registry.remove(entry_id)
        if built is None:
            raise KeyError(entry_id)
        built.retire()

    # -- services -------------------------------------------------------------------------
    def start_services(self) -> list[str]:
        """Start the app's services (each `http.service` listens; one defined later starts
        at once); return a message naming each service that could not start (its port is
        taken), while the others and the rest of the runtime keep working. Loading alone
        starts nothing, so listing or checking an app opens no port; `close()` stops them."""
        from .http_server.hub import start_services

        return start_services(self)

    # -- calls ----------------------------------------------------------------------------
    def call(self, entry_id: str, *args: Any, actor: Actor | str | None = None,
             scope: Scope | Iterable[Policy | str] | None = None,
             context: dict[str, Any] | None = None) -> Any:
        """Call an entry with plain Python values; return its value or raise CallError.

        `actor`, `scope` (a Scope or policy ids) and `context` (values for `ctx.get`) set the
        execution context the entry and all its nested calls run in; parts not given are
        inherited from the current one. The call itself needs `funcs.call` on `entry_id`."""
        try:
            plain = tuple(to_plain(a) for a in args)  # tuples become lists; cycles refused
        except ConversionError as exc:
            raise CallError(f"bad argument: {exc}", entry=entry_id, kind=INVALID) from None
        # An execution of its own, so that an interrupt reaches this caller even while it waits
        # for a pool slot, and so a nested execution can tell which generation it belongs to.
        with self.guard.running(Execution(self.guard, entry_id, 0)):
            if actor is None and scope is None and context is None:
                value = self.calls.call(entry_id, plain)
            else:
                ctx = self.security.context_for(actor, scope, context)
                value = self.calls.call(entry_id, plain, ctx=ctx)
        # to_plain also normalises for Python callers (a valid UTF-8 list<u8> becomes str)
        return to_plain(value)

    # -- interruption ---------------------------------------------------------------------
    def interrupt(self) -> None:
        """Stop every execution running now, WASM and Lua, on any thread (the kernel's
        interrupt button). Each fails with CallError kind CANCELED "interrupted"; trapped WASM
        instances are replaced and the runtime stays usable. See scheduler/limits.py."""
        self.guard.interrupt()

    def _busy_stores(self) -> list[tuple[Any, Callable[[], bool]]]:
        out: list[tuple[Any, Callable[[], bool]]] = []
        for target in list(self.targets.values()):
            out.extend(target.pool.busy_stores())
        return out

    # -- introspection --------------------------------------------------------------------
    def describe(self) -> list[EntryInfo]:
        """Every entry, built or failed, sorted by id."""
        infos = [built.info() for built in self.built.values()]
        for entry_id, (entry, err) in self.failed.items():
            if entry_id not in self.built:
                infos.append(EntryInfo(entry_id, entry.kind, detail={"error": str(err)}))
        return sorted(infos, key=lambda i: i.id)

    def pool_stats(self) -> list[PoolStats]:
        return [t.pool.stats() for _, t in sorted(self.targets.items())]

    # -- shutdown -------------------------------------------------------------------------
    def close(self) -> None:
        """Retire everything and free the stores now (wasmtime panics if a Store with custom
        stdio outlives the interpreter). Newest first: an entry is built after what it
        references, so a queue consumer stops before the function it calls retires."""
        for built in reversed(self.registry.clear()):
            built.retire()
        self.wasm.groups.clear()
        gc.collect()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
