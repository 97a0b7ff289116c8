"""Per-entry linking of host imports: declared profiles get real hosts, everything else a stub.

Wippy registers hosts on a runtime shared by all entries, so one entry's
`wasi:cli` is visible to the next. Here every function target has its own linker, and only
the interfaces of the profiles *this* entry declares reach real host functions. Every other
import of the module — an undeclared WASI interface, an interface no host provides — is linked
to a stub that raises `UnlinkedImportError` naming the entry, the import
(`wasi:random/random@0.2.0#get-random-u64`) and the profile to add, so real components that
import WASI they never call still load and their other functions run.

What the component linker allows (found by experiment on wasmtime-py 50.0.1; see
tests/runtime/hosts/test_linking_findings.py, which pins each point):

1. Components: `add_wasip2()` is all-or-nothing, and there is no per-interface variant. An
   interface can be overridden afterwards with `allow_shadowing = True` and
   `root().add_instance(<import name>)`, but the new instance *replaces* the whole interface:
   `add_instance` does not merge into wasip2's instance, so functions not re-defined are
   missing ("function implementation is missing"), and there is no single-function override.
2. The override must use the exact name the component imports (`wasi:random/random@0.2.0`);
   the linker prefers an exact match over wasip2's semver-compatible definition. A name with
   another patch version is ignored for that import.
3. `define_unknown_imports_as_traps()` must not be combined with `add_wasip2()`: it looks
   imports up by exact name, so it re-defines `wasi:cli/environment@0.2.0` as traps even
   though wasip2 provides `@0.2.x`. Stubs are therefore defined here, one function at a time.
4. Resources cannot be split. wasip2's resource types (`output-stream`, `pollable`,
   `descriptor`, …) are Rust host types that cannot be named from Python; a replacement
   instance must define its resources with new host types, and an interface that *uses* the
   resource while still coming from wasip2 then fails to instantiate ("resource type
   mismatch"). So the imports of a component are linked in *units*: interfaces connected by a
   shared resource type (`wasi:cli/stdout` and `wasi:io/streams` share `output-stream`;
   `wasi:clocks/monotonic-clock` and `wasi:io/poll` share `pollable`, and so do
   `wasi:http/types` and `wasi:io/poll`: an HTTP client needs `wasi:poll` too) are all real
   or all stubbed. A unit is real only when every interface in it belongs to a declared profile;
   otherwise the whole unit is stubbed, and the stubs of declared interfaces say which
   undeclared profiles they are tied to. Resource-free interfaces (random, wall-clock,
   environment, exit, funcs, …) are units of their own. This keeps the guarantee — only
   declared profiles reach real hosts — at the price of sometimes needing a profile the
   module's own use does not obviously need; the load warning lists it.
5. A Python exception raised in a stub reaches the caller of the export unchanged; the
   component instance is poisoned afterwards ("cannot enter component instance"), so the
   function target discards it and the next call gets a fresh one.
6. Core modules: `Linker.define_wasi()` adds all of preview 1 (only with `wasi1`); other
   function imports are stubbed with `define_func` using the import's own type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import wasmtime
from wasmtime.component import FuncType as ComponentFuncType
from wasmtime.component import Linker as ComponentLinker
from wasmtime.component import ResourceType

from ..errors import PERMISSION_DENIED, UNAVAILABLE, CallError
from .host_context import INTERFACE as CONTEXT_INTERFACE
from .host_context import ContextHost
from .host_funcs import INTERFACE as FUNCS_INTERFACE
from .host_funcs import FuncsHost
from .host_profiles import Profile, interface_name, profile_for_interface

WASI_P1_MODULE = "wasi_snapshot_preview1"
ENVIRONMENT = "wasi:cli/environment"
_ENVIRONMENT_FUNCS = {"get-environment", "get-arguments", "initial-cwd"}
EXIT = "wasi:cli/exit"
#: profiles implemented here rather than by wasmtime's wasip2 (they need no WASI store config)
_OWN_PROFILES = (None, "funcs", "context")
#: ResourceType.host ids for stub resources (any value works: they only need to differ
#: from each other within one component's imports).
_STUB_RESOURCE_BASE = 0x57505900


class UnlinkedImportError(CallError):
    """A module called an import this entry does not link to a real host."""

    kind = PERMISSION_DENIED


@dataclass
class ImportLink:
    """One import of the module and how it is linked for this entry."""

    name: str                       # `wasi:cli/stdout@0.2.0`, or `env#log` for core modules
    profile: str | None             # the profile that provides it, None if no host does
    real: bool = False
    reason: str = ""                # why it is stubbed (the middle of the stub's message)
    add: tuple[str, ...] = ()       # profiles to add to imports so it would be linked
    funcs: list[str] = field(default_factory=list)
    resources: list[tuple[str, Any]] = field(default_factory=list)


@dataclass
class LinkPlan:
    """Which imports of a module reach real hosts for one entry (shown in `EntryInfo`)."""

    entry_id: str
    declared: tuple[Profile, ...]
    links: list[ImportLink]
    root_funcs: list[str] = field(default_factory=list)

    @property
    def wasip2(self) -> bool:
        return any(link.real and link.profile not in _OWN_PROFILES for link in self.links)

    @property
    def http(self) -> bool:
        return any(link.real and link.profile == "wasi:http" for link in self.links)

    def real(self, profile: str) -> bool:
        return any(link.real and link.profile == profile for link in self.links)

    def detail(self) -> dict[str, list[str]]:
        return {
            "declared": [p.id for p in self.declared],
            "used": [link.name for link in self.links],
            "linked": [link.name for link in self.links if link.real],
            "stubbed": [link.name for link in self.links if not link.real],
        }

    def warnings(self) -> list[str]:
        """One line per entry listing the imports that will fail when called."""
        stubbed = [link for link in self.links if not link.real]
        if not stubbed:
            return []
        add = sorted({p for link in stubbed for p in link.add})
        orphans = [link.name for link in stubbed if link.profile is None]
        parts = [f"{self.entry_id}: {len(stubbed)} imported interface(s) are linked to stubs "
                 f"that fail when called: {', '.join(link.name for link in stubbed)}"]
        if add:
            parts.append(f"add {', '.join(f'`{p}`' for p in add)} to imports to link them")
        if orphans:
            parts.append(f"no host provides {', '.join(orphans)}")
        return ["; ".join(parts)]

    def stub_message(self, link: ImportLink, func: str) -> str:
        what = link.name if ("#" in link.name or func == link.name) else f"{link.name}#{func}"
        return f"{what} is not available to this entry: {link.reason}" + (
            f"; add {', '.join(f'`{p}`' for p in link.add)} to imports" if link.add else "")


# -- components -------------------------------------------------------------------------------

def plan_component(entry_id: str, component: Any, engine: wasmtime.Engine,
                   declared: tuple[Profile, ...]) -> LinkPlan:
    """Group the component's imports into resource-connected units and decide each unit."""
    declared_ids = {p.id for p in declared}
    links: list[ImportLink] = []
    root_funcs: list[str] = []
    for name, extern in component.type.imports(engine).items():
        ty = extern.ty
        if isinstance(ty, ComponentFuncType):
            root_funcs.append(name)
            continue
        if not hasattr(ty, "exports"):  # imported types, modules, components: left to wasmtime
            continue
        profile = profile_for_interface(name)
        link = ImportLink(name, profile.id if profile else None)
        for export, item in ty.exports(engine).items():
            item_ty = item.ty
            if isinstance(item_ty, ComponentFuncType):
                link.funcs.append(export)
            elif isinstance(item_ty, ResourceType):
                link.resources.append((export, item_ty))
        links.append(link)

    # union-find over shared resource types
    parent = list(range(len(links)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen: list[tuple[Any, int]] = []
    for i, link in enumerate(links):
        for _, rtype in link.resources:
            for other_type, j in seen:
                if other_type == rtype:
                    parent[find(i)] = find(j)
                    break
            else:
                seen.append((rtype, i))
    units: dict[int, list[ImportLink]] = {}
    for i, link in enumerate(links):
        units.setdefault(find(i), []).append(link)

    for members in units.values():
        real = all(m.profile in declared_ids for m in members)
        for m in members:
            m.real = real
            if real:
                continue
            missing = sorted({o.profile for o in members
                              if o.profile is not None and o.profile not in declared_ids})
            orphans = [o.name for o in members if o.profile is None and o is not m]
            if m.profile is None:
                m.reason = "no host provides it"
            elif m.profile not in declared_ids:
                m.reason = f"the entry does not declare the `{m.profile}` host profile"
            else:
                tied = [o.name for o in members if o.profile not in declared_ids]
                m.reason = (f"`{m.profile}` is declared, but {interface_name(m.name)} shares "
                            f"resource types with {', '.join(tied)}, which must be linked "
                            "the same way")
            if orphans and m.profile is not None:
                m.reason += f" (and it shares resource types with {', '.join(orphans)}, " \
                            "which no host provides)"
                missing = []
            m.add = tuple(missing)
    return LinkPlan(entry_id, declared, links, root_funcs)


def build_component_linker(engine: wasmtime.Engine, plan: LinkPlan, *, funcs: FuncsHost,
                           environment: Any | None,
                           context: ContextHost | None = None,
                           exit_host: Any | None = None) -> ComponentLinker:
    """A linker with wasip2 (+ wasi:http) when a real unit needs them, the runtime's own hosts
    (funcs; context; cli/environment when `environment` is given; cli/exit when the module
    imports `exit-with-code`, which wasip2 lacks) and stubs for the rest."""
    linker = ComponentLinker(engine)
    if plan.wasip2:
        linker.add_wasip2()
        if plan.http:
            linker.add_wasi_http()
    linker.allow_shadowing = True
    stub_types: list[tuple[Any, ResourceType]] = []

    def stub_type(rtype: Any) -> ResourceType:
        for known, mine in stub_types:
            if known == rtype:
                return mine
        mine = ResourceType.host(_STUB_RESOURCE_BASE + len(stub_types))
        stub_types.append((rtype, mine))
        return mine

    with linker.root() as root:
        for link in plan.links:
            base = interface_name(link.name)
            if link.real and base == FUNCS_INTERFACE:
                with root.add_instance(link.name) as inst:
                    funcs.define(inst, set(link.funcs))
            elif link.real and base == CONTEXT_INTERFACE:
                with root.add_instance(link.name) as inst:
                    (context or ContextHost(plan.entry_id)).define(inst, set(link.funcs))
            elif (link.real and base == ENVIRONMENT and environment is not None
                  and set(link.funcs) <= _ENVIRONMENT_FUNCS):
                with root.add_instance(link.name) as inst:
                    environment.define(inst, set(link.funcs))
            elif (link.real and base == EXIT and exit_host is not None
                  and "exit-with-code" in link.funcs):
                with root.add_instance(link.name) as inst:
                    exit_host.define(inst, set(link.funcs))
            elif not link.real:
                with root.add_instance(link.name) as inst:
                    for rname, rtype in link.resources:
                        inst.add_resource(rname, stub_type(rtype), _drop_nothing)
                    for func in link.funcs:
                        inst.add_func(func, _stub(plan, link, func))
        for name in plan.root_funcs:
            orphan = ImportLink(name, None, reason="no host provides it")
            plan.links.append(orphan)
            root.add_func(name, _stub(plan, orphan, name))
    return linker


def _drop_nothing(_store: Any, _rep: int) -> None:
    return None


def _stub(plan: LinkPlan, link: ImportLink, func: str) -> Any:
    message = plan.stub_message(link, func)
    entry_id = plan.entry_id
    kind = UNAVAILABLE if link.profile is None else PERMISSION_DENIED

    def stub(*_args: Any) -> Any:
        raise UnlinkedImportError(message, entry=entry_id, kind=kind)

    return stub


# -- core modules -----------------------------------------------------------------------------

def plan_core(entry_id: str, module: wasmtime.Module,
              declared: tuple[Profile, ...]) -> LinkPlan:
    wasi1 = any(p.id == "wasi1" for p in declared)
    links: list[ImportLink] = []
    for imp in module.imports:
        if not isinstance(imp.type, wasmtime.FuncType):
            continue  # memories, tables, globals: nothing to stub; instantiation says so
        name = f"{imp.module}#{imp.name}"
        if imp.module == WASI_P1_MODULE:
            link = ImportLink(name, "wasi1", real=wasi1)
            if not wasi1:
                link.reason = "the entry does not declare the `wasi1` host profile"
                link.add = ("wasi1",)
        else:
            link = ImportLink(name, None, reason="no host provides it")
        links.append(link)
    return LinkPlan(entry_id, declared, links)


def build_core_linker(engine: wasmtime.Engine, module: wasmtime.Module,
                      plan: LinkPlan) -> wasmtime.Linker:
    linker = wasmtime.Linker(engine)
    if plan.real("wasi1"):
        linker.define_wasi()
    stubs = {link.name: link for link in plan.links if not link.real}
    for imp in module.imports:
        name = f"{imp.module}#{imp.name}"
        link = stubs.get(name)
        if link is not None and isinstance(imp.type, wasmtime.FuncType):
            linker.define_func(imp.module, imp.name or "", imp.type, _stub(plan, link, name))
    return linker
