"""A component export (`name` or `iface#name`) as a target, with full WIT mapping. Plain
values in, plain values out.

The export's type is read once from the component (or taken from the entry's `wit`, which
must match it and supplies type names for error messages); `wit.ComponentFunction` converts
straight between plain values and wasmtime's C values. An instance's `fn` is that function
bound to its store and export (`ComponentFunction.bind`: no Python frame of this module on
the call path).

Inline entries of one binary share one instance and one lock (wasm/instance_groups.py): a
component's resources only mean something inside the instance that made them. A trap in one
of them discards the shared instance for all; the others hear of it (`on_reset`) and their
next call fails once with InstanceReset before running on the group's fresh instance.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import wasmtime
from wasmtime.component import Component
from wasmtime.component import Linker as ComponentLinker

from ..errors import CallError, CompileError
from ..registry import Entry
from ..scheduler.offload import ALWAYS
from ..scheduler.pool_config import PoolPlan
from ..scheduler.pools import Gate
from ..wasm.engine import WasmEngine
from ..wasm.host_context import ContextHost
from ..wasm.host_funcs import FuncsHost
from ..wasm.host_linking import UnlinkedImportError, build_component_linker, plan_component
from ..wasm.instance_groups import SharedInstance
from ..wasm.wasi_config import EnvironmentHost, ExitHost, MissingEnvError
from ..wit import ComponentFunction
from .base import EntryInfo, InstanceBase, Target, pool_text
from .wasm_config import WasmConfig
from .wasm_errors import InstanceReset, finisher, map_wasm_error
from .wasm_hosts import HostContext, imports_detail, instantiate, new_store
from .wasm_signature import declared_signature, signature_error


class ComponentInstance(InstanceBase):
    __slots__ = ("store", "instance", "func", "fn", "shared")
    store: wasmtime.Store | None

    def __init__(self, store: wasmtime.Store, instance: Any, func: Any, fn: Any,
                 shared: SharedInstance | None = None) -> None:
        self.store, self.instance, self.func, self.fn = store, instance, func, fn
        self.shared = shared

    def close(self) -> None:
        self.fn = self.func = self.instance = self.store = self.shared = None


def _reset(entry_id: str, _args: tuple) -> Any:
    raise InstanceReset(f"the shared instance was reset after a trap in another entry of this "
                        f"component; call {entry_id} again", entry=entry_id)


class ComponentFunctionTarget(Target):
    """A component export, on its own instances or on its group's shared one."""

    kind = "component"

    def __init__(self, entry: Entry, plan: PoolPlan, generation: int, cfg: WasmConfig,
                 engine: WasmEngine, component: Component, group: tuple | None,
                 hosts: HostContext) -> None:
        super().__init__(entry)
        self.cfg, self.engine, self.component = cfg, engine, component
        self.group = group
        self.hosts = hosts
        ctype = component.type
        self.imports = sorted(ctype.imports(engine.engine))
        self.exports = sorted(ctype.exports(engine.engine))
        self.link_plan = plan_component(entry.id, component, engine.engine, hosts.declared)
        environment = EnvironmentHost(hosts.setup)
        self.linker: ComponentLinker = build_component_linker(
            engine.engine, self.link_plan, funcs=FuncsHost(hosts.calls, entry.id),
            environment=environment, context=ContextHost(entry.id),
            exit_host=ExitHost(entry.id))
        self._wasi = hosts.setup if self.link_plan.wasip2 else None
        if self._wasi is not None:
            self.call_permissions = self._wasi.permissions()
        self._http = self.link_plan.http
        hosts.warn(self.link_plan.warnings())
        declared = declared_signature(entry, cfg)
        store, instance = self._instantiate()
        func = self._find_func(store, instance)
        try:
            self.function = ComponentFunction.from_func(store, func, cfg.method, wit=declared)
        except ValueError as exc:
            raise signature_error(entry, str(exc)) from None
        self.signature_text = str(self.function.type)
        if self.link_plan.wasip2:
            self.offload = ALWAYS  # a real WASI host may block (sleep, I/O): never on the dispatcher
        elif self.imports:
            # only the runtime's own hosts are real (the rest are stubs that fail at once):
            # `funcs` calls back through the pipeline, which places the callee itself, so a
            # Lua -> WASM -> funcs -> Lua chain can stay on the caller's thread (it hops when
            # the caller's dispatcher has other work)
            self.calls_back = True
        if group is None:
            self._probe: tuple | None = (store, instance, func)
            self._open_pool(plan, generation)
            return
        # the probe becomes the group's shared instance unless the group has one
        self._probe = None
        groups = engine.groups
        groups.get(group, lambda: (store, instance))
        groups.on_reset(group, self._group_reset)
        self._open_pool(plan, generation, gate=groups.gate(group, Gate),
                        private_call=self._private_call)

    def _instantiate(self) -> tuple[wasmtime.Store, Any]:
        store = new_store(self.engine, self.entry_id, self._wasi, self._http,
                          self.cfg.max_memory_bytes)
        return store, instantiate(self.hosts, store, self.entry_id, self.cfg.max_execution_ms,
                                  lambda: self.linker.instantiate(store, self.component))

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
        fn = finisher(self.function.type, self.entry_id, self.function.bind(store, func))
        fn = self.hosts.limited(store, fn, self.cfg.max_execution_ms, self.entry_id)
        return ComponentInstance(store, instance, func, fn, shared)

    def _group_reset(self, broken: SharedInstance) -> None:
        """The group's shared instance was discarded (a trap in some entry of the group; the
        group lock is held): a warm instance on it fails its next call with InstanceReset."""
        warm = getattr(self.pool, "warm", None)
        if warm is not None and warm.shared is broken:
            warm.fn = partial(_reset, self.entry_id)

    def _private_call(self, args: tuple) -> Any:
        """This thread is inside the group's shared instance (a `funcs` call from it came back
        to the group): run on a private instance, as waiting would deadlock and wasmtime
        refuses to enter the shared instance again."""
        inst = self.new_instance(private=True)
        try:
            return inst.fn(args)
        except BaseException as exc:
            err, _ = self._map_error(exc)
            raise err from None
        finally:
            inst.close()

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
                         signature=self.signature_text, pool=pool_text(self.pool),
                         imports=list(self.cfg.imports),
                         detail={"module": "component", "shared_instance": self.group is not None,
                                 "module_imports": self.imports, "exports": self.exports,
                                 **imports_detail(self.link_plan, self.hosts.setup)})
