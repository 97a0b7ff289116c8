"""`function.wat` and `function.wasm`: WebAssembly functions in pools.

Flow: bytes (WAT compiled, or read from an `fs.directory` and hash-checked) -> core module or
component (told apart by the header) -> compiled through the compile cache -> a Target whose
pool instances each own a Store and an instance, with the method's call prepared once.
"""

from __future__ import annotations

import hashlib
from typing import Any

import wasmtime
from wasmtime.component import Component
from wasmtime.component import Linker as ComponentLinker

from ..errors import INVALID, CallError, CompileError, HashMismatchError, LoadError, TrapError
from ..registry import Entry
from ..scheduler.limits import limit_error
from ..scheduler.pool_config import select_pool
from ..scheduler.pools import Pool
from ..wasm.binary import is_component, is_wasm
from ..wasm.core_call import (
    CORE_TYPE,
    DEFAULT_WIT,
    ArgumentError,
    ArityError,
    ResultError,
    coerce,
    lift,
    make_core_caller,
)
from ..wasm.engine import WasmEngine, trap_message
from ..wit import FuncType, Primitive, WitError, core_flat_types, parse_signatures
from .base import EntryInfo, InstanceBase, Target
from .fs_directory import FsDirectory
from .wasm_config import WasmConfig, parse_wasm_config


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


def build_wasm_function(entry: Entry, ctx: Any) -> Target:
    cfg = parse_wasm_config(entry, binary=entry.kind != "function.wat")
    data = load_wasm_bytes(entry, cfg, ctx)
    engine: WasmEngine = ctx.runtime.wasm
    plan = select_pool(cfg.pool)
    pool = Pool(entry.id, plan, factory=lambda: None, generation=ctx.generation)
    line = entry.origin.line
    if is_component(data):
        component = engine.compile_component(data, entry=entry.id, file=entry.origin.file, line=line)
        target: Target = ComponentFunctionTarget(entry, pool, cfg, engine, component)
    else:
        module = engine.compile_module(data, entry=entry.id, file=entry.origin.file, line=line)
        target = CoreFunctionTarget(entry, pool, cfg, engine, module)
    pool._factory = target.new_instance
    target.start()
    return target


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
                 module: wasmtime.Module) -> None:
        super().__init__(entry, pool)
        self.cfg, self.engine, self.module = cfg, engine, module
        self.linker = wasmtime.Linker(engine.engine)
        self.imports = [f"{imp.module}#{imp.name}" for imp in module.imports]
        if module.imports:
            # Every import is linked to a trap until host profiles are declared for it.
            self.linker.define_unknown_imports_as_traps(module)
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
            if not (_numeric(p.type for p in declared.params) and _numeric(declared.results)):
                raise _signature_error(entry, (
                    f"wit signature {declared} uses non-numeric types; core modules support "
                    "numeric signatures only until the canonical ABI lands"))
            self.params = [(p.name, p.type.name) for p in declared.params]  # type: ignore[attr-defined]
            self.results = [r.name for r in declared.results]  # type: ignore[attr-defined]

    def new_instance(self) -> CoreInstance:
        store = self.engine.new_store()
        try:
            instance = self.linker.instantiate(store, self.module)
        except (wasmtime.WasmtimeError, wasmtime.Trap) as exc:
            raise CallError(f"instantiation failed: {trap_message(exc)}",
                            entry=self.entry_id) from None
        func = instance.exports(store)[self.cfg.method]
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
                                 "wit_inferred": self.inferred})


def map_wasm_error(entry_id: str, exc: BaseException) -> tuple[CallError, bool]:
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
    return CallError(f"{type(exc).__name__}: {exc}", entry=entry_id), True


def _pool_text(pool: Pool) -> str:
    plan = pool.plan
    return plan.type if plan.type == "inline" else f"{plan.type}(max {plan.max_instances})"


_COMPONENT_PRIMS = {"Bool": "bool", "S8": "s8", "U8": "u8", "S16": "s16", "U16": "u16",
                    "S32": "s32", "U32": "u32", "S64": "s64", "U64": "u64", "F32": "f32",
                    "F64": "f64", "Char": "char", "String": "string"}


def _component_coerce(index: int, name: str, wit: str, value: Any) -> Any:
    """Numeric checks for component arguments (wasmtime wants real bools and unsigned ints)."""
    if wit == "bool":
        if not isinstance(value, bool):
            coerce(index, name, wit, value)  # raises with the standard message
        return value
    if wit == "u64":
        coerce(index, name, "s64" if isinstance(value, int) and value < 0 else wit, value)
        return int(value)
    if wit in CORE_TYPE and wit != "char":
        return coerce(index, name, wit, value)
    return value


class ComponentInstance(InstanceBase):
    __slots__ = ("store", "instance", "func", "fn")

    def __init__(self, store: wasmtime.Store, instance: Any, func: Any, fn: Any) -> None:
        self.store, self.instance, self.func, self.fn = store, instance, func, fn

    def close(self) -> None:
        self.fn = self.func = self.instance = self.store = None


class ComponentFunctionTarget(Target):
    """A component export (`name` or `iface#name`)."""

    kind = "component"

    def __init__(self, entry: Entry, pool: Pool, cfg: WasmConfig, engine: WasmEngine,
                 component: Component) -> None:
        super().__init__(entry, pool)
        self.cfg, self.engine, self.component = cfg, engine, component
        self.linker = ComponentLinker(engine.engine)
        ctype = component.type
        self.imports = sorted(ctype.imports(engine.engine))
        self.exports = sorted(ctype.exports(engine.engine))
        if self.imports:
            self.linker.define_unknown_imports_as_traps(component)
        probe = self.new_instance(check_only=True)
        ftype = probe.func.type(probe.store)
        self.params = [(name, _COMPONENT_PRIMS.get(type(t).__name__, type(t).__name__))
                       for name, t in ftype.params]
        result = ftype.result
        self.results = [] if result is None else [_COMPONENT_PRIMS.get(type(result).__name__,
                                                                       type(result).__name__)]
        self.signature_text = (f"{cfg.method}: func({', '.join(f'{n}: {t}' for n, t in self.params)})"
                               + (f" -> {self.results[0]}" if self.results else ""))

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
        func = instance.get_func(store, index) if index is not None else None
        if func is None:
            raise self.entry.error(CompileError, f"method {method!r} is not an exported function "
                                   f"(exports: {', '.join(self.exports)})", "method")
        return func

    def new_instance(self, check_only: bool = False) -> ComponentInstance:
        store = self.engine.new_store()
        try:
            instance = self.linker.instantiate(store, self.component)
        except (wasmtime.WasmtimeError, wasmtime.Trap) as exc:
            raise CallError(f"instantiation failed: {trap_message(exc)}",
                            entry=self.entry_id) from None
        func = self._find_func(store, instance)
        if check_only:
            return ComponentInstance(store, instance, func, None)
        params = self.params
        n = len(params)
        results = self.results

        def call(*args: Any) -> Any:
            if len(args) != n:
                raise ArityError(f"expected {n} argument{'' if n == 1 else 's'}, got {len(args)}")
            values = [_component_coerce(i, name, wit, a) for i, ((name, wit), a)
                      in enumerate(zip(params, args, strict=False))]
            out = func(store, *values)
            if results and results[0] == "u64":
                return lift("u64", out)
            return out

        if self.cfg.max_execution_ms:
            return ComponentInstance(store, instance, func, self.engine.guard.limited(
                store, call, self.cfg.max_execution_ms))
        return ComponentInstance(store, instance, func, call)

    def map_error(self, exc: BaseException) -> tuple[CallError, bool]:
        if isinstance(exc, (TypeError, ValueError)) and not isinstance(
                exc, (ArgumentError, ArityError, ResultError)):
            return CallError(f"bad argument: {exc}", entry=self.entry_id, kind=INVALID), False
        return map_wasm_error(self.entry_id, exc)

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry_id, self.entry.kind, method=self.cfg.method,
                         signature=self.signature_text, pool=_pool_text(self.pool),
                         imports=list(self.cfg.imports),
                         detail={"module": "component", "module_imports": self.imports,
                                 "exports": self.exports})
