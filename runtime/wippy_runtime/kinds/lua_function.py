"""`function.lua` and `library.lua`.

As in Wippy, a function's source is a chunk that returns a table of functions and `method`
names the one called; a library's chunk returns its module table. Each pool instance is its own
sandboxed Lua state with the entry's `modules:` bound as globals and its `imports:` libraries
run once and bound under their aliases, so instances never share mutable Lua state.
"""

from __future__ import annotations

from typing import Any

from lupa.lua54 import lua_type

from ..errors import CallError, CompileError, LoadError, ValidationError
from ..lua.convert import ConversionError, to_lua, to_plain
from ..lua.globals import install_modules, new_state
from ..lua.modules import GLOBAL_MODULES, MODULES
from ..lua.modules._optional import missing as missing_library
from ..lua.modules.errors import LuaErrorValue
from ..lua.state import LuaMemoryError, LuaState
from ..registry import Entry
from ..scheduler.dispatcher import Dispatcher
from ..scheduler.offload import CHAIN
from ..scheduler.pool_config import PoolConfig, PoolConfigError, PoolPlan, select_pool
from .base import (
    BuildContext,
    EntryInfo,
    InstanceBase,
    Resource,
    Target,
    pool_text,
    warn_unknown_fields,
)
from .wasm_config import limit_value, read_limits

_KNOWN = {"source", "method", "modules", "imports", "pool", "limits", "options", "lifecycle"}


class LuaSource:
    """A Lua entry's parsed definition: source text, modules, imported libraries."""

    def __init__(self, entry: Entry, ctx: Any) -> None:
        d = entry.data
        warn_unknown_fields(entry, _KNOWN, getattr(ctx, "runtime", None))
        if not d.get("source"):
            raise entry.error(ValidationError, "source is required", "source")
        self.entry = entry
        self.text, path = entry.source_text("source")
        self.file = str(path) if path else entry.origin.file
        self.line_offset = 1 if path else entry.origin.line_of("source")
        modules = d.get("modules") or []
        if not isinstance(modules, list) or not all(isinstance(m, str) for m in modules):
            raise entry.error(ValidationError, "modules must be a list of module names", "modules")
        unknown_mods = [m for m in modules if m not in MODULES and m not in GLOBAL_MODULES]
        if unknown_mods:
            raise entry.error(ValidationError, f"unknown module {unknown_mods[0]!r} "
                              f"(available: {', '.join(sorted(MODULES))})", "modules")
        for m in modules:
            why = missing_library(m)  # a library-backed module without its library
            if why is not None:
                raise entry.error(ValidationError, why, "modules")
        self.modules = [m for m in modules if m in MODULES]
        imports = d.get("imports") or {}
        if not isinstance(imports, dict):
            raise entry.error(ValidationError, "imports must map an alias to a library.lua entry "
                              "(alias: ns:name) or a built-in module (alias: \":name\")",
                              "imports")
        self.imports: dict[str, LuaLibrary | LuaFunctionTarget] = {}
        #: alias -> built-in module name (`imports: {x: ":registry"}`: an ID with an empty
        #: namespace is one of the runtime's modules, as Wippy's `modules:` are)
        self.module_imports: dict[str, str] = {}
        for alias, ref in imports.items():
            text = str(ref)
            if text.startswith(":"):
                name = text[1:]
                if name not in MODULES and name not in GLOBAL_MODULES:
                    raise entry.error(ValidationError, f"imports.{alias}: unknown module "
                                      f"{name!r} (available: {', '.join(sorted(MODULES))})",
                                      "imports")
                why = missing_library(name)
                if why is not None:
                    raise entry.error(ValidationError, f"imports.{alias}: {why}", "imports")
                self.module_imports[str(alias)] = name
                continue
            try:
                lib = ctx.resolve(entry, text, "library.lua")
            except ValidationError as not_library:
                # Wippy imports any Lua code node: a function.lua's chunk value too
                try:
                    lib = ctx.resolve(entry, text, "function.lua")
                except LoadError:
                    raise not_library from None
            self.imports[str(alias)] = lib

    def dependencies(self) -> set[str]:
        return {lib.entry.id for lib in self.imports.values()}

    def prepare(self, state: LuaState, runtime: Any, done: set[str] | None = None) -> Any:
        """Bind modules and imports into `state`, run the chunk, return its value."""
        done = set() if done is None else done
        install_modules(state, runtime, self.modules, done)
        for alias, name in self.module_imports.items():
            key = name.encode()
            if name in MODULES and name not in done:
                had = state.globals[key]
                MODULES[name](state, runtime)
                value = state.globals[key]
                if had is None and name not in self.modules:
                    state.globals[key] = None  # imported under its alias only
            else:
                value = state.globals[key]
            state.bind(alias, value)
        for alias, lib in self.imports.items():
            state.bind(alias, lib.source.prepare(state, runtime, done))
        chunk = state.compile(self.text, self.entry.id, entry=self.entry.id, file=self.file,
                              line_offset=self.line_offset)
        results = state.call(chunk, entry=self.entry.id)
        return results[0] if results else None


class LuaLibrary(Resource):
    kind = "library.lua"

    def __init__(self, entry: Entry, source: LuaSource) -> None:
        super().__init__(entry)
        self.source = source

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry.id, self.entry.kind,
                         detail={"modules": self.source.modules,
                                 "imports": {a: lib.entry.id for a, lib in
                                             self.source.imports.items()}})


class LuaInstance(InstanceBase):
    __slots__ = ("state", "method", "fn", "entry_id", "limit_ms")

    def __init__(self, state: LuaState, method: Any, entry_id: str, limit_ms: int = 0) -> None:
        self.state, self.method, self.entry_id = state, method, entry_id
        self.limit_ms = limit_ms
        self.fn = self.call

    def call(self, args: tuple) -> Any:
        """Run the method with plain `args` (converted into this state here, once) on a
        dispatcher of its own; return its plain value."""
        state = self.state
        lua = state.lua
        state.start_execution(self.entry_id, self.limit_ms)
        lua_args = [to_lua(lua, a) for a in args]
        token = CHAIN.set(CHAIN.get() | {self.entry_id})  # re-entrancy across worker hops
        try:
            out = Dispatcher(state, self.entry_id).run(self.method, tuple(lua_args))
        except LuaMemoryError:
            raise CallError("Lua memory limit exceeded", entry=self.entry_id) from None
        finally:
            CHAIN.reset(token)
        results = state.finish(out, self.entry_id)
        if not results:
            return None
        value = results[0]
        if len(results) > 1 and results[1] is not None and (value is None or value is False):
            err = results[1]
            if isinstance(err, LuaErrorValue):
                exc = CallError(err._message, entry=self.entry_id, kind=err._kind)
                exc.error_value = err
                raise exc
            text = err.decode("utf-8", "replace") if isinstance(err, bytes) else str(to_plain(err))
            raise CallError(text, entry=self.entry_id)
        try:
            return to_plain(value)
        except ConversionError as exc:
            raise CallError(f"cannot return this value: {exc}", entry=self.entry_id) from None

    def close(self) -> None:
        self.state.close()


class LuaFunctionTarget(Target):
    kind = "lua"

    def __init__(self, entry: Entry, plan: PoolPlan, generation: int, source: LuaSource,
                 runtime: Any, method: str) -> None:
        super().__init__(entry)
        self.source, self.runtime, self.method = source, runtime, method
        self.limit_ms = lua_limit_ms(entry)
        self._open_pool(plan, generation)
        # Lazy pools start empty; make (and keep) one instance now so a chunk that fails or
        # lacks `method` is a load error naming the entry, not a surprise at the first call.
        self.pool.ensure_instance()

    def prepare_state(self, state: LuaState) -> None:
        """A step on each new instance's state before its modules are bound (a kind that
        runs Lua under other rules, as workflow.lua, sets them here)."""

    def new_instance(self) -> LuaInstance:
        state = new_state(self.runtime, max_memory=self.runtime.security.lua_max_memory)
        self.prepare_state(state)
        table = self.source.prepare(state, self.runtime, done={"process"})
        fn = None
        if lua_type(table) == "function":
            fn = table  # the chunk returned its function directly (`return main`)
        elif table is not None and not isinstance(table, (bool, int, float, bytes)):
            try:
                fn = table[self.method.encode()]
            except (TypeError, KeyError, AttributeError):
                fn = None
        if fn is None:
            state.close()
            raise self.entry.error(CompileError, f"method {self.method!r} not found: the chunk "
                                   "must return a table of functions, e.g. "
                                   f"`return {{ {self.method} = {self.method} }}`, or one "
                                   "function", "method")
        return LuaInstance(state, fn, self.entry_id, self.limit_ms)

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry_id, self.entry.kind, method=self.method,
                         pool=pool_text(self.pool),
                         imports=[f"{a}={lib.entry.id}" for a, lib in self.source.imports.items()],
                         detail={"modules": self.source.modules, "meta": self.entry.meta})


def lua_limit_ms(entry: Entry) -> int:
    """`limits.max_execution_ms` of a Lua entry (0 = none), enforced by the instruction hook;
    read in both spellings (`limits:` and Wippy's `options.limits`), as WASM entries are."""
    return limit_value(entry, read_limits(entry, entry.data), "max_execution_ms", 0)


def build_lua_function(entry: Entry, ctx: BuildContext,
                       cls: type[LuaFunctionTarget] | None = None) -> LuaFunctionTarget:
    lua_limit_ms(entry)
    method = entry.data.get("method")
    if not method or not isinstance(method, str):
        raise entry.error(ValidationError, "method is required", "method")
    source = LuaSource(entry, ctx)
    try:
        pool_cfg = PoolConfig.from_data(entry.data.get("pool"))
    except PoolConfigError as exc:
        raise entry.error(ValidationError, str(exc), "pool") from None
    return (cls or LuaFunctionTarget)(entry, select_pool(pool_cfg), ctx.generation, source,
                                      ctx.runtime, method)


def build_lua_library(entry: Entry, ctx: BuildContext) -> LuaLibrary:
    source = LuaSource(entry, ctx)
    # A library runs only inside its importers' instances; compile it once now so a syntax
    # error fails its own load, not its first importer. (Functions need no such check: their
    # first instance is built at load.)
    LuaState().compile(source.text, entry.id, entry=entry.id, file=source.file,
                       line_offset=source.line_offset)
    return LuaLibrary(entry, source)
