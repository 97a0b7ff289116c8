"""Calling a core module export through the canonical ABI, for core modules with a `wit`.

A core module cannot take a string or a record directly; the Component Model's canonical ABI
says how such values travel as core values and through linear memory. `CoreAbiFunction` does
what a component's adapter would do, in Python: arguments are checked by `convert`, lowered
by `canonical_lower` (strings and lists copied into memory from the module's exported
`cabi_realloc`; more than 16 flat parameters travel as a pointer to a tuple), the export is
called, the result is lifted by `canonical_lift` (more than one flat result comes back as a
pointer), and `cabi_post_<name>` runs once the result is read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from wasmtime import Func, Instance, Memory

from .abi import MAX_FLAT_PARAMS, MAX_FLAT_RESULTS, alignment, core_flat_types, flatten, layout
from .canonical_lift import flat_lifter, loader
from .canonical_lower import flat_lowerer, storer, to_core_arg
from .canonical_memory import LinearMemory
from .convert import args_lowerer
from .errors import CoreAbiError
from .types import FuncType, TupleType, WitType

__all__ = ["CoreAbiFunction"]


class CoreAbiFunction:
    """A WIT signature implemented by a core module export through the canonical ABI.

    Build it once per signature (`CoreAbiFunction(func_type)`), then `bind` it to each
    instance; the bound callable takes plain arguments and returns a plain value.
    """

    def __init__(self, func_type: FuncType) -> None:
        self.type = func_type
        self.core_params, self.core_results = core_flat_types(func_type)
        flat_params = [ft for p in func_type.params for ft in flatten(p.type)]
        flat_results = [ft for r in func_type.results for ft in flatten(r)]
        self.params_in_memory = len(flat_params) > MAX_FLAT_PARAMS
        self.results_in_memory = len(flat_results) > MAX_FLAT_RESULTS
        self.needs_realloc = self.params_in_memory or any(
            layout(p.type).uses_memory for p in func_type.params)
        self.needs_memory = self.needs_realloc or self.results_in_memory or any(
            layout(r).uses_memory for r in func_type.results)
        ptypes = [p.type for p in func_type.params]
        self._check_args = args_lowerer(func_type)
        self._flat_lowerers = [flat_lowerer(t) for t in ptypes]
        self._flat_param_types = flat_params
        if self.params_in_memory:
            tup = TupleType(tuple(ptypes))
            self._args_store = storer(tup)
            self._args_layout = (alignment(tup), layout(tup).size)
        rtype: WitType | None
        if not func_type.results:
            rtype = None
        elif len(func_type.results) == 1:
            rtype = func_type.results[0]
        else:
            rtype = TupleType(tuple(func_type.results))
        self._result_type = rtype
        self._result_layout = None if rtype is None else layout(rtype)
        self._result_loader = loader(rtype) if rtype is not None and self.results_in_memory \
            else None
        self._result_lifter = flat_lifter(rtype) if rtype is not None else None

    def bind(self, store: Any, instance: Instance,
             export_name: str) -> Callable[[Sequence[Any]], Any]:
        """A callable `(args) -> plain value` for `export_name` of `instance`."""
        exports = instance.exports(store)
        func = exports.get(export_name)
        if not isinstance(func, Func):
            raise CoreAbiError(f'the module has no exported function "{export_name}"')
        self._check_signature(store, func, export_name)
        memory = exports.get("memory")
        realloc = exports.get("cabi_realloc")
        missing = []
        if self.needs_memory and not isinstance(memory, Memory):
            missing.append('"memory"')
        if self.needs_realloc and not isinstance(realloc, Func):
            missing.append('"cabi_realloc"')
        if missing:
            raise CoreAbiError(
                f"`{self.type}` passes strings, lists or many values through linear memory, "
                f"so the module must export {' and '.join(missing)}"
            )
        realloc_func = realloc if isinstance(realloc, Func) else None
        if realloc_func is not None and self.needs_realloc:
            rt = realloc_func.type(store)
            if [str(t) for t in rt.params] != ["i32"] * 4 or [str(t) for t in rt.results] != [
                "i32"
            ]:
                raise CoreAbiError('"cabi_realloc" must have type (i32, i32, i32, i32) -> i32')
        post = exports.get(f"cabi_post_{export_name}")
        mem = LinearMemory(store, memory if isinstance(memory, Memory) else None, realloc_func)
        post_func = post if isinstance(post, Func) else None

        def call(args: Sequence[Any]) -> Any:
            return self._call(store, func, mem, post_func, args)

        return call

    def _check_signature(self, store: Any, func: Func, name: str) -> None:
        ft = func.type(store)
        have = ([str(t) for t in ft.params], [str(t) for t in ft.results])
        if have != (self.core_params, self.core_results):
            raise CoreAbiError(
                f'export "{name}" has core type ({", ".join(have[0])}) -> '
                f'({", ".join(have[1])}) but `{self.type}` needs '
                f'({", ".join(self.core_params)}) -> ({", ".join(self.core_results)})'
            )

    def _call(self, store: Any, func: Func, mem: LinearMemory, post: Func | None,
              args: Sequence[Any]) -> Any:
        checked = self._check_args(args)
        if mem.memory is not None:
            mem.refresh()
        if self.params_in_memory:
            align, size = self._args_layout
            ptr = mem.alloc(align, size)
            self._args_store(mem, ptr, tuple(checked))
            flat = [ptr]
            core_types = ["i32"]
        else:
            flat = []
            for lw, x in zip(self._flat_lowerers, checked, strict=True):
                flat.extend(lw(mem, x))
            core_types = self._flat_param_types
        raw = func(store, *[to_core_arg(v, c) for v, c in zip(flat, core_types, strict=True)])
        rtype = self._result_type
        if rtype is None:
            return None
        if mem.memory is not None:
            mem.refresh()
        if self._result_loader is not None:
            ptr = raw & 0xFFFFFFFF
            rlayout = self._result_layout
            assert rlayout is not None
            if ptr % rlayout.align or ptr + rlayout.size > len(mem.view):
                raise CoreAbiError(f"the module returned a bad result pointer {ptr}")
            value = self._result_loader(mem, ptr)
        else:
            assert self._result_lifter is not None
            value = self._result_lifter(iter([raw]), mem)
        if post is not None:
            post(store, raw)
        return value
