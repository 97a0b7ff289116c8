"""The Runtime: owns the registry of built entries, the WASM engine and the output sink.

Data flows one way: definitions (YAML or API) -> `Entry` -> kind handler builds it -> a `Target`
(callable, with its pool) or a resource -> `targets` table read by `funcs.call` and
`Runtime.call`. Replacing an entry builds the new generation first; only when that succeeds is
it swapped in and the old one retired (its in-flight calls finish on it). A failed build leaves
whatever was serving before in place, and is remembered so it can be listed.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import (
    INVALID,
    NOT_FOUND,
    PERMISSION_DENIED,
    CallError,
    LoadError,
    ValidationError,
    WippyError,
)
from .kinds import HANDLERS
from .kinds.base import EntryInfo, Resource, Target
from .lua.convert import to_plain
from .registry import Entry, LoadReport, load_path, parse_definition_text
from .registry.ids import InvalidIdError, parse_id
from .registry.loader import make_entry
from .scheduler.pools import PoolStats
from .security import DEFAULT_LUA_MAX_MEMORY, Actor, Policy, Scope, Security, current
from .security.context import call_in
from .tracing import Tracer
from .wasm.engine import WasmEngine


@dataclass
class _Batch:
    """Entries being applied together: lets a reference build its target on demand."""

    pending: dict[str, Entry] = field(default_factory=dict)
    building: list[str] = field(default_factory=list)
    done: set[str] = field(default_factory=set)
    errors: list[LoadError] = field(default_factory=list)


class _BuildContext:
    def __init__(self, runtime: Runtime, entry: Entry, batch: _Batch, generation: int) -> None:
        self.runtime = runtime
        self.entry = entry
        self.batch = batch
        self.generation = generation
        self.dependencies: set[str] = set()

    def resolve(self, entry: Entry, ref: str, expected_kind: str | None = None) -> Any:
        field_name = {"fs.directory": "fs", "library.lua": "imports"}.get(expected_kind or "")
        try:
            ref_id = entry.ref(ref)
        except InvalidIdError as exc:
            raise entry.error(ValidationError, exc.message, field_name) from None
        self.dependencies.add(ref_id)
        rt = self.runtime
        if ref_id in self.batch.building:
            chain = " -> ".join(self.batch.building + [ref_id])
            raise entry.error(ValidationError, f"reference cycle: {chain}", field_name)
        if ref_id in self.batch.pending and ref_id not in self.batch.done:
            rt._build_pending(ref_id, self.batch)
        built = rt.built.get(ref_id)
        if built is None:
            failed = rt.failed.get(ref_id)
            why = f" (it failed to load: {failed[1].message})" if failed else ""
            what = expected_kind or "entry"
            raise entry.error(LoadError, f"{what} {ref_id} not found{why}", field_name)
        if expected_kind and built.entry.kind != expected_kind:
            raise entry.error(ValidationError, f"{ref_id} is a {built.entry.kind}, expected "
                              f"{expected_kind}", field_name)
        return built


class Runtime:
    """A Wippy runtime in this process. Thread-safe for calls; definitions are serialised."""

    def __init__(self, *, cache_dir: Path | None | bool = True,
                 output: Callable[[str], Any] | None = None,
                 error_output: Callable[[str], Any] | None = None, strict_mode: bool = False,
                 lua_max_memory: int | None = DEFAULT_LUA_MAX_MEMORY) -> None:
        self.wasm = WasmEngine(cache_dir)
        #: settings (strict_mode, lua_max_memory), checks and policy lookup; see security/
        self.security = Security(self, strict_mode=strict_mode, lua_max_memory=lua_max_memory)
        self.built: dict[str, Target | Resource] = {}
        self.entries: dict[str, Entry] = {}
        self.failed: dict[str, tuple[Entry, WippyError]] = {}
        self.targets: dict[str, Target] = {}
        self.targets_by_bytes: dict[bytes, Target] = {}
        #: the terminal context (`wippy run`): WASI stdin and the `get-arguments` fallback;
        #: None elsewhere (the kernel has no terminal). Set before `load`, as instances made
        #: at load (signature probes) keep the WASI config they were created with.
        self.terminal: Any = None
        self.dependencies: dict[str, set[str]] = {}
        self.generations: dict[str, int] = {}
        self._output = output
        self._error_output = error_output
        self.warnings: list[str] = []
        #: call traces, off until `tracer.start()` (costs nothing while off)
        self.tracer = Tracer(self)
        self.guard = self.wasm.guard
        self.guard.add_busy_probe(self._busy_stores)

    # -- output ---------------------------------------------------------------------------
    def write_output(self, text: str) -> None:
        """Where Lua `print` and WASI stdout go: the CLI's stdout, or the kernel's current
        cell."""
        if self._output is not None:
            self._output(text)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()

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

    # -- definitions ----------------------------------------------------------------------
    def load(self, path: str | Path) -> LoadReport:
        """Load a Wippy project tree (or one YAML file); errors are collected in the report."""
        report = load_path(path)
        report.errors.extend(self.apply(report.entries))
        return report

    def load_text(self, text: str, *, base_dir: Path | None = None, file: str | None = None,
                  namespace: str | None = None) -> LoadReport:
        """Load definitions from YAML text (the `%%yaml` magic)."""
        report = parse_definition_text(text, file=file, base_dir=base_dir, namespace=namespace)
        report.errors.extend(self.apply(report.entries))
        return report

    def define(self, entry: Entry | dict[str, Any], *, namespace: str | None = None,
               base_dir: Path | None = None) -> Target | Resource:
        """Add or replace one entry; raise its LoadError if it does not build (the previous
        version, if any, keeps serving)."""
        if isinstance(entry, dict):
            d = dict(entry)
            if "id" in d:
                namespace, d["name"] = str(d.pop("id")).split(":", 1)
            root = base_dir or Path.cwd()
            entry = make_entry(d, namespace or "", 0, None, None, None, root, root)
        errors = self.apply([entry])
        if errors:
            raise errors[0]
        return self.built[entry.id]

    def apply(self, entries: Iterable[Entry]) -> list[LoadError]:
        """Build and register entries; return the errors (one per entry that failed)."""
        batch = _Batch()
        order: list[str] = []
        for entry in entries:
            first = batch.pending.get(entry.id)
            if first is not None:
                where = f"{first.origin.file}:{first.origin.line}" if first.origin.file else "above"
                batch.errors.append(entry.error(ValidationError,
                                                f"duplicate entry id (first defined at {where})"))
                continue
            batch.pending[entry.id] = entry
            order.append(entry.id)
        for entry_id in order:
            if entry_id not in batch.building:
                self._build_pending(entry_id, batch, top=True)
        return batch.errors

    def _build_pending(self, entry_id: str, batch: _Batch, top: bool = False) -> None:
        entry = batch.pending[entry_id]
        if entry_id in batch.done:
            return  # already built on demand by a reference earlier in this batch
        batch.done.add(entry_id)
        batch.building.append(entry_id)
        try:
            self._build(entry, batch)
        except LoadError as exc:
            self.failed[entry_id] = (entry, exc)
            batch.errors.append(exc)
        except WippyError as exc:
            err = entry.error(LoadError, exc.message)
            self.failed[entry_id] = (entry, err)
            batch.errors.append(err)
        finally:
            batch.building.remove(entry_id)

    def _build(self, entry: Entry, batch: _Batch) -> None:
        handler = HANDLERS.get(entry.kind)
        if handler is None:
            raise entry.error(ValidationError, f"unknown kind {entry.kind!r}", "kind")
        generation = self.generations.get(entry.id, 0) + 1
        ctx = _BuildContext(self, entry, batch, generation)
        built = handler(entry, ctx)
        self.generations[entry.id] = generation
        self._register(entry, built, ctx.dependencies)

    def _register(self, entry: Entry, built: Target | Resource, deps: set[str]) -> None:
        old = self.built.get(entry.id)
        self.built[entry.id] = built
        self.entries[entry.id] = entry
        self.failed.pop(entry.id, None)
        self.dependencies[entry.id] = deps
        key = entry.id.encode()
        if isinstance(built, Target):
            if self.tracer.enabled:
                self.tracer.attach(built)
            self.targets[entry.id] = built
            self.targets_by_bytes[key] = built
        else:
            self.targets.pop(entry.id, None)
            self.targets_by_bytes.pop(key, None)
        if old is not None:
            old.retire()
            self._rebuild_dependents(entry.id)

    def _rebuild_dependents(self, entry_id: str) -> None:
        """Entries built against the replaced one (imports, fs) are rebuilt on the new one."""
        dependents = [e for e, deps in self.dependencies.items() if entry_id in deps
                      and e in self.entries]
        for dep_id in dependents:
            errors = self.apply([self.entries[dep_id]])
            for err in errors:
                self.warnings.append(f"rebuilding {dep_id} after {entry_id} changed: {err}")

    def remove(self, entry_id: str) -> None:
        built = self.built.pop(entry_id, None)
        self.entries.pop(entry_id, None)
        self.failed.pop(entry_id, None)
        self.dependencies.pop(entry_id, None)
        self.targets.pop(entry_id, None)
        self.targets_by_bytes.pop(entry_id.encode(), None)
        if built is None:
            raise KeyError(entry_id)
        built.retire()

    # -- calls ----------------------------------------------------------------------------
    def call(self, entry_id: str, *args: Any, actor: Actor | str | None = None,
             scope: Scope | Iterable[Policy | str] | None = None,
             context: dict[str, Any] | None = None) -> Any:
        """Call an entry with plain Python values; return its value or raise CallError.

        `actor`, `scope` (a Scope or policy ids) and `context` (values for `ctx.get`) set the
        execution context the entry and all its nested calls run in; parts not given are
        inherited from the current one. The call itself needs `funcs.call` on `entry_id`."""
        target = self.targets.get(entry_id)
        if target is None:
            try:
                parse_id(entry_id)
            except InvalidIdError as exc:
                raise CallError(exc.message, kind=INVALID) from None
            if entry_id in self.built:
                raise CallError(f"{self.built[entry_id].entry.kind} entries are not callable",
                                entry=entry_id, kind=INVALID)
            raise CallError("no such entry", entry=entry_id, kind=NOT_FOUND)
        sec = self.security
        if actor is None and scope is None and context is None:
            ctx = current()
            if ctx is None and not sec.strict_mode:
                return to_plain(target.invoke(args))
        else:
            ctx = sec.context_for(actor, scope, context)
        denied = sec.call_denied(ctx, entry_id)
        if denied is not None:
            raise CallError(denied, entry=entry_id, kind=PERMISSION_DENIED)
        # to_plain also normalises for Python callers (a valid UTF-8 list<u8> becomes str)
        return to_plain(call_in(ctx, target.invoke, args))

    # -- interruption ---------------------------------------------------------------------
    def interrupt(self) -> None:
        """Stop every execution running now, WASM and Lua, on any thread (the kernel's
        interrupt button). Each fails with CallError kind CANCELED "interrupted"; trapped WASM
        instances are replaced and the runtime stays usable. See scheduler/limits.py."""
        self.guard.interrupt()

    def _busy_stores(self) -> list[tuple[Any, Callable[[], bool]]]:
        out: list[tuple[Any, Callable[[], bool]]] = []
        for target in list(self.targets.values()):
            warm = target._warm
            if target._owner and warm is not None and getattr(warm, "store", None) is not None:
                def still_warm(t: Any = target, i: Any = warm) -> bool:
                    return bool(t._owner) and t._warm is i

                out.append((warm.store, still_warm))
            pool = target.pool
            for inst in list(pool.in_use.values()):
                store = getattr(inst, "store", None)
                if store is not None:
                    def in_use(p: Any = pool, i: Any = inst) -> bool:
                        return id(i) in p.in_use

                    out.append((store, in_use))
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
        stdio outlives the interpreter, stack-notes §3)."""
        for built in list(self.built.values()):
            built.retire()
        self.built.clear()
        self.targets.clear()
        self.targets_by_bytes.clear()
        self.wasm.groups.clear()
        gc.collect()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
