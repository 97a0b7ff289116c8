"""Calling a wasmtime component export with plain values: the one place values cross into
components.

wasmtime-py's `Func.__call__` re-reads the function type on every call, re-reads record
fields for every record value, and hands back `Record` objects and variants that are tagged
or untagged depending on the type. Instead, `ComponentFunction` reads the type once (through
`Func.type(store)`), turns it into our type model (`component_types`), and compiles one
Python function for the whole call (`component_call`): it writes the plain arguments
straight into the C API's values, calls `wasmtime_component_func_call` and reads the result
back into plain values. Arguments in a shape that function does not write directly take the
general path here: `convert` checks them (and words the error when they are wrong),
`component_write` writes the checked values. `wasmtime_component_func_call` only borrows the
arguments, so they are freed right after the call; results are read then freed with one
`wasmtime_component_val_delete`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from ctypes import byref
from functools import partial
from typing import Any

import wasmtime.component as wc

from ..wasmtime_private import (
    ComponentVal,
    component_call_handles,
    component_func_call,
    component_val_delete,
    raise_component_call_error,
)
from .component_call import compile_call
from .component_types import check_compatible, func_type_of
from .component_write import writer
from .convert import args_lowerer
from .types import FuncType

__all__ = ["ComponentFunction"]

_Val = ComponentVal
_VAL_DELETE = component_val_delete


class ComponentFunction:
    """A component export prepared for calls with plain values.

    Built once per (component, export) from the function's type. `bind(store, func)` gives
    the per-instance call `fn(args)` (plain values in, a plain value out: None without a
    result; a top-level `result` comes back as `{"ok": v}` / `{"err": e}`, see
    `plain.split_top_level_result`); `cf(store, func, args)` calls once without binding.
    `source` is the generated code of the call.
    """

    __slots__ = ("type", "source", "_n", "_writers", "_read", "_check_args", "_fast")

    def __init__(self, func_type: FuncType) -> None:
        compiled = compile_call(func_type)
        self.type = func_type
        self.source = compiled.source
        self._n = len(func_type.params)
        self._check_args = args_lowerer(func_type)
        self._writers = [writer(p.type) for p in func_type.params]
        self._read = compiled.read
        self._fast = compiled.call

    @classmethod
    def from_func(cls, store: Any, func: wc.Func, name: str = "",
                  wit: FuncType | None = None) -> ComponentFunction:
        """Prepare `func`, reading its type once; `wit` (if given) supplies WIT names."""
        derived = func_type_of(name, func.type(store))
        if wit is not None:
            check_compatible(wit, derived)
            return cls(wit)
        return cls(derived)

    def bind(self, store: Any, func: wc.Func) -> Callable[[Sequence[Any]], Any]:
        """The call of this export on one instance: `fn(args)`, handles read once."""
        fref, ctx = component_call_handles(store, func)
        if self._fast is None:
            return partial(self._general, fref, ctx)
        return partial(self._fast, fref, ctx, self._general)

    def __call__(self, store: Any, func: wc.Func, args: Sequence[Any]) -> Any:
        return self.bind(store, func)(args)

    def _general(self, fref: Any, ctx: Any, args: Sequence[Any]) -> Any:
        """Any plain arguments: checked and normalised by `convert` (which raises the
        argument error), written from their checked form."""
        checked = self._check_args(args)
        n = self._n
        params = (_Val * n)()
        try:
            for i, w in enumerate(self._writers):
                w(params[i], checked[i])
            if self.type.results:
                result = _Val()
                err = component_func_call(fref, ctx, params if n else None, n,
                                          byref(result), 1)
                if err:
                    raise_component_call_error(err)
                try:
                    return self._read(result)
                finally:
                    _VAL_DELETE(byref(result))
            err = component_func_call(fref, ctx, params if n else None, n, None, 0)
            if err:
                raise_component_call_error(err)
            return None
        finally:
            for i in range(n):
                _VAL_DELETE(byref(params[i]))
