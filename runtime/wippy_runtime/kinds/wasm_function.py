"""`function.wat` and `function.wasm`: WebAssembly functions in pools.

Flow: bytes (WAT compiled, or read from an `fs.directory` and hash-checked) -> core module or
component (told apart by the header) -> compiled through the compile cache -> a Target whose
pool instances each own a Store and an instance, with the method's call prepared once.
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

import wasmtime
from wasmtime.component import Component
from wasmtime.component import Linker as ComponentLinker

from ..errors import (
    INVALID,
    CallError,
    CompileError,
    GuestError,
    HashMismatchError,
    LoadError,
    TrapError,
    ValidationError,
)
from ..lua.convert import ConversionError, to_plain
from ..registry import Entry
from ..scheduler.limits import limit_error
from ..scheduler.offload import ALWAYS
from ..scheduler.pool_config import select_pool
from ..scheduler.pools import Pool
from ..wasm.binary import is_component, is_wasm
from ..wasm.core_call import (
    CORE_TYPE,
    DEFAULT_WIT,
    ArgumentError,
    ArityError,
    ResultError,
    make_core_caller,
)
from ..wasm.engine import WasmEngine, trap_message
from ..wasm.host_context import ContextHost
from ..wasm.host_funcs import FuncsHost
from ..wasm.host_linking import (
    LinkPlan,
    UnlinkedImportError,
    build_component_linker,
    build_core_linker,
    plan_component,
    plan_core,
)
from ..wasm.host_profiles import HostImportError, Profile, resolve_imports
from ..wasm.wasi_config import EnvironmentHost, ExitHost, MissingEnvError, WasiExit, WasiSetup
from ..wit import (
    ComponentFunction,
    CoreAbiError,
    CoreAbiFunction,
    FuncType,
    Primitive,
    ResultType,
    WitError,
    WitValueError,
    core_flat_types,
    parse_signatures,
)
from .base import BuildContext, EntryInfo, InstanceBase, Target
from .fs_directory import FsDirectory
from .wasm_config import WasmConfig, parse_wasm_config

_get_ident = threading.get_ident


def load_wasm_bytes(entry: Entry, cfg: WasmConfig, ctx: Any) -> bytes:
    """The module's bytes: compiled WAT, or a binary from `fs` verified against `hash`."""
    engine: WasmEngine = ctx.runtime.wasm
    if entry.kind == "function.wat":
        text, path = entry.source_text("source")
        line_offset = None if path else entry.origin.line_of("source")
        return engine.wat_to_wasm(text, entry=entry.id,
                                  file=str(path) if path else entry.origin.file,
                                  line_offset=1 if path else line_offset)
    fs = ctx.resolve(entry, cfg.fs, "fs.directory")
    assert isinstance(fs, FsDirectory)
    assert cfg.path is not None  # parse_wasm_config requires it for binaries
    data = fs.read_bytes(cfg.path, for_entry=entry)
    assert cfg.hash is not None
    actual = hashlib.sha256(data).hexdigest()
    if actual != cfg.hash[1]:
        raise entry.error(HashMismatchError,
                          f"hash mismatch for {cfg.path}: expected sha256:{cfg.hash[1]}, "
                          f"actual sha256:{actual}", "hash",
                          expected=f"sha256:{cfg.hash[1]}", actual=f"sha256:{actual}")
    if not is_wasm(data):
        raise entry.error(CompileError, f"{cfg.path} is not a WebAssembly binary "
                          "(missing \\0asm header)", "path")
    return data


class HostContext:
    """What a WASM target needs to link its hosts: the declared profiles, the resolved `wasi:`
    block and the runtime (output hooks, warnings, `funcs` calls)."""

    def __init__(self, runtime: Any, declared: tuple[Profile, ...], setup: WasiSetup) -> None:
        self.runtime = runtime
        self.declared = declared
        self.setup = setup

    def warn(self, lines: list[str]) -> None:
        """Record load warnings once (a rebuild of the same entry does not repeat them)."""
        for line in lines:
            if line not in self.runtime.warnings:
                self.runtime.warnings.append(line)


def build_wasm_function(entry: Entry, ctx: BuildContext) -> Target:
    cfg = parse_wasm_config(entry, binary=entry.kind != "function.wat")
    data = load_wasm_bytes(entry, cfg, ctx)
    engine: WasmEngine = ctx.runtime.wasm
    component = is_component(data)
    try:
        declared = resolve_imports(cfg.imports, component=component)
    except HostImportError as exc:
        raise entry.error(ValidationError, str(exc), "imports") from None
    ids = {p.id for p in declared}
    setup = WasiSetup(entry, cfg.wasi, ctx, mounts_enabled=(
        "wasi:filesystem" in ids if component else "wasi1" in ids))
    hosts = HostContext(ctx.runtime, declared, setup)
    hosts.warn(setup.warnings)
    plan = select_pool(cfg.pool)
    pool = Pool(entry.id, plan, factory=lambda: None, generation=ctx.generation)
    line = entry.origin.line
    if component:
        compiled = engine.compile_component(data, entry=entry.id, file=entry.origin.file, line=line)
        group = None
        if plan.type == "inline":
            # entries share an instance only when they would link and configure it alike
            wasi_key = json.dumps(cfg.wasi, sort_keys=True, default=str)
            group = (hashlib.sha256(data).hexdigest(), tuple(sorted(ids)), wasi_key)
        target: ComponentFunctionTarget | CoreFunctionTarget = ComponentFunctionTarget(entry, pool, cfg, engine, compiled, group, hosts)
    else:
        module = engine.compile_module(data, entry=entry.id, file=entry.origin.file, line=line)
        target = CoreFunctionTarget(entry, pool, cfg, engine, module, hosts)
    pool._factory = target.new_instance
    if target.imports:
        target.offload = ALWAYS  # an import may block (sleep, I/O): never on the dispatcher
    target.start()
    return target


def _imports_detail(plan: LinkPlan, setup: WasiSetup) -> dict[str, Any]:
    detail: dict[str, Any] = {"imports": plan.detail()}
    if setup.args or setup.env or setup.mounts or setup.cwd != "/":
        detail["wasi"] = setup.detail()
    return detail


def _new_store(engine: WasmEngine, entry_id: str, setup: WasiSetup | None,
               http: bool = False) -> wasmtime.Store:
    """A store, with WASI configured when the entry links any WASI host."""
    store = engine.new_store()
    if setup is not None:
        try:
            store.set_wasi(setup.config())
        except MissingEnvError as exc:
            raise CallError(exc.message, entry=entry_id) from None
        if http:
            store.set_wasi_http()
    return store


def _signature_error(entry: Entry, message: str) -> LoadError:
    return entry.error(CompileError, message, "wit")


def declared_signature(entry: Entry, cfg: WasmConfig) -> FuncType | None:
    if not cfg.wit:
        return None
    try:
        sigs = parse_signatures(cfg.wit)
    except WitError as exc:
        wit_line = getattr(exc, "line", None)
        base = entry.origin.line_of("wit")
        line = base + wit_line - 1 if (base and wit_line) else base
        raise entry.error(CompileError, f"invalid wit: {exc}", "wit", line=line) from None
    candidates = [cfg.method, cfg.method.replace("_", "-"), cfg.method.replace("-", "_")]
    for name in candidates:
        if name in sigs:
            return sigs[name]
    if len(sigs) == 1:
        return next(iter(sigs.values()))
    raise _signature_error(entry, f"wit declares no function named {cfg.method!r} "
                           f"(declares: {', '.join(sigs) or 'none'})")


def _numeric(types: Any) -> bool:
    return all(isinstance(t, Primitive) and t.name in CORE_TYPE for t in types)


class CoreInstance(InstanceBase):
    __slots__ = ("store", "instance", "fn")
    store: wasmtime.Store | None
    instance: wasmtime.Instance | None

    def __init__(self, store: wasmtime.Store, instance: wasmtime.Instance, fn: Any) -> None:
        self.store, self.instance, self.fn = store, instance, fn

    def close(self) -> None:
        self.fn = None
        self.instance = None
        self.store = None


class CoreFunctionTarget(Target):
    """A core module export. Numeric signatures use the generated ctypes fast path."""

    kind = "core"

    def __init__(self, entry: Entry, pool: Pool, cfg: WasmConfig, engine: WasmEngine,
                 module: wasmtime.Module, hosts: HostContext) -> None:
        super().__init__(entry, pool)
        self.cfg, self.engine, self.module = cfg, engine, module
        self.abi: CoreAbiFunction | None = None
        self.declared: FuncType | None = None
        self.imports = [f"{imp.module}#{imp.name}" for imp in module.imports]
        self.hosts = hosts
        self.link_plan = plan_core(entry.id, module, hosts.declared)
        self.linker = build_core_linker(engine.engine, module, self.link_plan)
        self._wasi = hosts.setup if self.link_plan.real("wasi1") else None
        hosts.warn(self.link_plan.warnings())
        exports = {e.name: e.type for e in module.exports}
        export = exports.get(cfg.method)
        if not isinstance(export, wasmtime.FuncType):
            funcs = [n for n, t in exports.items() if isinstance(t, wasmtime.FuncType)]
            what = "is not exported" if export is None else "is not a function"
            raise entry.error(CompileError, f"method {cfg.method!r} {what} "
                              f"(exported functions: {', '.join(funcs) or 'none'})", "method")
        core_params = [str(p) for p in export.params]
        core_results = [str(r) for r in export.results]
        declared = declared_signature(entry, cfg)
        if declared is None:
            self.signature = FuncType(cfg.method, (), ())
            self.params = [(f"p{i + 1}", DEFAULT_WIT[p]) for i, p in enumerate(core_params)]
            self.results = [DEFAULT_WIT[r] for r in core_results]
            self.signature_text = (f"{cfg.method}: func({', '.join(f'{n}: {t}' for n, t in self.params)})"
                                   + (f" -> {self.results[0]}" if len(self.results) == 1 else
                                      f" -> ({', '.join(self.results)})" if self.results else ""))
            self.inferred = True
        else:
            self.inferred = False
            self.signature_text = str(declared)
            flat_params, flat_results = core_flat_types(declared)
            if (flat_params, flat_results) != (core_params, core_results):
                raise _signature_error(entry, (
                    f"wit signature {declared} needs core type ({', '.join(flat_params)}) -> "
                    f"({', '.join(flat_results)}) but export {cfg.method!r} has "
                    f"({', '.join(core_params)}) -> ({', '.join(core_results)})"))
            self.declared = declared
            if _numeric(p.type for p in declared.params) and _numeric(declared.results):
                self.params = [(p.name, p.type.name) for p in declared.params]  # type: ignore[attr-defined]
                self.results = [r.name for r in declared.results]  # type: ignore[attr-defined]
            else:
                # Strings, lists, records...: the canonical ABI over the module's memory.
                self.abi = CoreAbiFunction(declared)
                missing = [name for name, needed in (("memory", self.abi.needs_memory),
                                                     ("cabi_realloc", self.abi.needs_realloc))
                           if needed and name not in exports]
                if missing:
                    raise _signature_error(entry, (
                        f"wit signature {declared} passes data through linear memory, so the "
                        f"module must export {' and '.join(repr(m) for m in missing)}"))

    def new_instance(self) -> CoreInstance:
        store = _new_store(self.engine, self.entry_id, self._wasi)
        try:
            instance = self.linker.instantiate(store, self.module)
        except (wasmtime.WasmtimeError, wasmtime.Trap) as exc:
            raise CallError(f"instantiation failed: {trap_message(exc)}",
                            entry=self.entry_id) from None
        if self.abi is not None:
            bound = self.abi.bind(store, instance, self.cfg.method)
            fn = _finisher(self.declared, self.entry_id,
                           lambda *args: bound([to_plain(a) for a in args]))
        else:
            func = instance.exports(store)[self.cfg.method]
            assert isinstance(func, wasmtime.Func)  # the signature probe checked the export
            fn = make_core_caller(store, func, self.params, self.results)
        if self.cfg.max_execution_ms:
            fn = self.engine.guard.limited(store, fn, self.cfg.max_execution_ms)
        return CoreInstance(store, instance, fn)

    def map_error(self, exc: BaseException) -> tuple[CallError, bool]:
        return map_wasm_error(self.entry_id, exc)

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry_id, self.entry.kind, method=self.cfg.method,
                         signature=self.signature_text, pool=_pool_text(self.pool),
                         imports=list(self.cfg.imports),
                         detail={"module": "core", "module_imports": self.imports,
                                 "wit_inferred": self.inferred,
                                 **_imports_detail(self.link_plan, self.hosts.setup)})


def _finisher(func_type: FuncType | None, entry_id: str, call: Any) -> Any:
    """Wrap `call` so a top-level `result<T, E>` becomes the value or a GuestError (SPEC §4:
    Lua gets `value, nil` / `nil, err`)."""
    if func_type is None or len(func_type.results) != 1 or \
            not isinstance(func_type.results[0], ResultType):
        return call

    def finish(*args: Any) -> Any:
        value = call(*args)
        if type(value) is dict and len(value) == 1:
            if "ok" in value:
                return value["ok"]
            if "err" in value:
                raise GuestError(value["err"], entry=entry_id)
        return value

    return finish


def map_wasm_error(entry_id: str, exc: BaseException) -> tuple[CallError, bool]:
    if isinstance(exc, GuestError):
        return exc, False
    if isinstance(exc, wasmtime.ExitTrap):
        # wasi:cli/exit (or proc_exit) never exits the host (wippy-facts §2.8)
        return WasiExit(exc.code, entry=entry_id), True
    if isinstance(exc, WasiExit):  # the runtime's exit-with-code, raised inside a host call
        return exc, True
    if isinstance(exc, WitValueError):
        return CallError(str(exc), entry=entry_id, kind=INVALID), False
    if isinstance(exc, CoreAbiError):
        return CallError(str(exc), entry=entry_id), True
    if isinstance(exc, (ArgumentError, ArityError)):
        return CallError(str(exc), entry=entry_id, kind=INVALID), False
    if isinstance(exc, ResultError):
        return CallError(str(exc), entry=entry_id), False
    if isinstance(exc, (wasmtime.Trap, wasmtime.WasmtimeError)):
        limited = limit_error(entry_id, str(exc))
        if limited is not None:
            return limited, True
    if isinstance(exc, wasmtime.Trap):
        err = TrapError(trap_message(exc), entry=entry_id)
        err.trap_code = exc.trap_code  # type: ignore[attr-defined]
        return err, True
    if isinstance(exc, wasmtime.WasmtimeError):
        return TrapError(trap_message(exc), entry=entry_id), True
    if isinstance(exc, CallError):
        return exc, False
    if isinstance(exc, ConversionError):
        # a Lua argument with no plain form (too deep, a cycle, a function): refused before
        # the guest was entered, so the instance is fine
        return CallError(f"bad argument: {exc}", entry=entry_id, kind=INVALID), False
    return CallError(f"{type(exc).__name__}: {exc}", entry=entry_id), True


def _pool_text(pool: Pool) -> str:
    plan = pool.plan
    return plan.type if plan.type == "inline" else f"{plan.type}(max {plan.max_instances})"


class InstanceReset(CallError):
    """A shared component instance was replaced under this entry's warm instance."""


class ComponentInstance(InstanceBase):
    __slots__ = ("store", "instance", "func", "fn")
    store: wasmtime.Store | None

    def __init__(self, store: wasmtime.Store, instance: Any, func: Any, fn: Any) -> None:
        self.store, self.instance, self.func, self.fn = store, instance, func, fn

    def close(self) -> None:
        self.fn = self.func = self.instance = self.store = None


class ComponentFunctionTarget(Target):
    """A component export (`name` or `iface#name`), with full WIT mapping.

    The export's type is read once from the component (or taken from the entry's `wit`, which
    must match it and supplies type names for error messages); values are converted by
    `wit.ComponentFunction`, straight between plain values and wasmtime's C values.
    """

    kind = "component"

    def __init__(self, entry: Entry, pool: Pool, cfg: WasmConfig, engine: WasmEngine,
                 component: Component, group: tuple | None, hosts: HostContext) -> None:
        if group is not None:  # inline entries of one binary share an instance (resources)
            pool.inline_lock = engine.groups.lock(group)
        super().__init__(entry, pool)
        self.cfg, self.engine, self.component = cfg, engine, component
        self.group = group
        self._group_owner = engine.groups.owner(group) if group is not None else None
        self.hosts = hosts
        ctype = component.type
        self.imports = sorted(ctype.imports(engine.engine))
        self.exports = sorted(ctype.exports(engine.engine))
        self.link_plan = plan_component(entry.id, component, engine.engine, hosts.declared)
        environment = EnvironmentHost(hosts.setup)
        self.linker: ComponentLinker = build_component_linker(
            engine.engine, self.link_plan, funcs=FuncsHost(hosts.runtime, entry.id),
            environment=environment, context=ContextHost(entry.id),
            exit_host=ExitHost(entry.id))
        self._wasi = hosts.setup if self.link_plan.wasip2 else None
        self._http = self.link_plan.http
        hosts.warn(self.link_plan.warnings())
        declared = declared_signature(entry, cfg)
        store, instance = self._instantiate()
        func = self._find_func(store, instance)
        try:
            self.function = ComponentFunction.from_func(store, func, cfg.method, wit=declared)
        except ValueError as exc:
            raise _signature_error(entry, str(exc)) from None
        self.signature_text = str(self.function.type)
        if group is None:
            self._probe: tuple | None = (store, instance, func)
        else:  # the probe becomes the group's shared instance unless the group has one
            self._probe = None
            engine.groups.get(group, lambda: (store, instance))

    def _instantiate(self) -> tuple[wasmtime.Store, Any]:
        store = _new_store(self.engine, self.entry_id, self._wasi, self._http)
        try:
            return store, self.linker.instantiate(store, self.component)
        except (wasmtime.WasmtimeError, wasmtime.Trap) as exc:
            raise CallError(f"instantiation failed: {trap_message(exc)}",
                            entry=self.entry_id) from None

    def _find_func(self, store: wasmtime.Store, instance: Any) -> Any:
        method = self.cfg.method
        if "#" in method:
            iface, fname = method.split("#", 1)
            iface_index = None
            for name in self.exports:
                short = name.split("/")[-1].split("@")[0]
                if name == iface or short == iface:
                    iface_index = instance.get_export_index(store, name)
                    break
            if iface_index is None:
                raise self.entry.error(CompileError, f"interface {iface!r} is not exported "
                                       f"(exports: {', '.join(self.exports)})", "method")
            index = instance.get_export_index(store, fname, iface_index)
        else:
            index = instance.get_export_index(store, method)
            if index is None and method == "main":
                index = self._cli_run(store, instance)
        func = instance.get_func(store, index) if index is not None else None
        if func is None:
            raise self.entry.error(CompileError, f"method {method!r} is not an exported function "
                                   f"(exports: {', '.join(self.exports)})", "method")
        return func

    def _cli_run(self, store: wasmtime.Store, instance: Any) -> Any:
        """`method: main` (process.wasm's default) on a WASI command component: its
        `wasi:cli/run` `run`, so a command runs without naming the interface."""
        for name in self.exports:
            if name.startswith("wasi:cli/run@"):
                iface = instance.get_export_index(store, name)
                return instance.get_export_index(store, "run", iface) if iface else None
        return None

    def new_instance(self, private: bool = False) -> ComponentInstance:
        """An instance for the pool; for an inline group, the group's shared instance unless
        `private` (a re-entrant call, which must not enter the busy shared instance)."""
        shared = None
        if self.group is not None and not private:
            shared = self.engine.groups.get(self.group, self._instantiate)
            store, instance = shared.store, shared.instance
            func = self._find_func(store, instance)
        elif self._probe is not None:  # the instance made while checking the signature
            (store, instance, func), self._probe = self._probe, None
        else:
            store, instance = self._instantiate()
            func = self._find_func(store, instance)
        function = self.function
        entry_id = self.entry_id
        owner = self._group_owner

        if shared is None:
            def call(*args: Any) -> Any:
                return function(store, func, [to_plain(a) for a in args])
        else:
            assert owner is not None

            def call(*args: Any) -> Any:
                if shared.broken:
                    raise InstanceReset(f"the shared instance was reset after a trap in another "
                                        f"entry of this component; call {entry_id} again",
                                        entry=entry_id)
                # Which thread is inside the shared instance: a call back into any entry of
                # the group from this thread (through `funcs`) must not wait for the lock.
                owner.ident = _get_ident()
                try:
                    return function(store, func, [to_plain(a) for a in args])
                finally:
                    owner.ident = 0

        fn = _finisher(function.type, self.entry_id, call)
        if self.cfg.max_execution_ms:
            fn = self.engine.guard.limited(store, fn, self.cfg.max_execution_ms)
        return ComponentInstance(store, instance, func, fn)

    def _invoke_contended(self, args: tuple) -> Any:
        """The group lock is taken. If this thread holds it (a `funcs` call from inside the
        shared instance came back to the group), run on a private instance: waiting would
        deadlock, and entering the shared instance again is refused by wasmtime."""
        owner = self._group_owner
        if owner is not None and owner.ident == _get_ident():
            inst = self.new_instance(private=True)
            try:
                return inst.fn(*args)
            except BaseException as exc:
                err, _ = self._map_error(exc)
                raise err from None
            finally:
                inst.close()
        return super()._invoke_contended(args)

    def _map_error(self, exc: BaseException) -> tuple[CallError, bool]:
        if isinstance(exc, InstanceReset):
            return exc, True
        if isinstance(exc, (UnlinkedImportError, MissingEnvError)):
            # raised inside a host call: wasmtime refuses to enter the instance again
            return exc, True
        return map_wasm_error(self.entry_id, exc)

    def map_error(self, exc: BaseException) -> tuple[CallError, bool]:
        if isinstance(exc, InstanceReset):  # the group already has a fresh instance
            return exc, True
        err, discard = self._map_error(exc)
        if discard and self.group is not None:
            self.engine.groups.discard(self.group)
        return err, discard

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry_id, self.entry.kind, method=self.cfg.method,
                         signature=self.signature_text, pool=_pool_text(self.pool),
                         imports=list(self.cfg.imports),
                         detail={"module": "component", "shared_instance": self.group is not None,
                                 "module_imports": self.imports, "exports": self.exports,
                                 **_imports_detail(self.link_plan, self.hosts.setup)})
