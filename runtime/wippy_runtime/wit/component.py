"""Calling a wasmtime component export with plain values: the one place values cross into
components.

wasmtime-py's `Func.__call__` re-reads the function type on every call, re-reads record
fields for every record value, and hands back `Record` objects and variants that are tagged
or untagged depending on the type. Instead, `ComponentFunction` reads the type once (through
`Func.type(store)`), turns it into our type model (`component_types`), and builds
specialised closures that write checked values straight into the C API's values
(`component_write`) and read results back into plain values (`component_read`).
`wasmtime_component_func_call` only borrows the arguments, so they are freed by us right
after the call; results are read then freed with one `wasmtime_component_val_delete`.
"""

from __future__ import annotations

from collections.abc import Sequence
from ctypes import byref
from typing import Any

import wasmtime.component as wc

from ..wasmtime_private import ComponentVal, call_component_func, component_val_delete
from .component_read import reader
from .component_types import check_compatible, func_type_of
from .component_write import writer
from .convert import args_lowerer
from .types import FuncType

__all__ = ["ComponentFunction"]

_Val = ComponentVal
_VAL_DELETE = component_val_delete
_call = call_component_func


class ComponentFunction:
    """A component export prepared for calls with plain values.

    Built once per (component, export) from the function's type; then called per
    instance as `cf(store, func, args)`. `args` are plain values; the result is a plain
    value (None without a result; a top-level `result` comes back as `{"ok": v}` /
    `{"err": e}`, see `plain.split_top_level_result`).
    """

    __slots__ = ("type", "_n", "_writers", "_reader", "_check_args")

    def __init__(self, func_type: FuncType) -> None:
        if len(func_type.results) > 1:
            raise ValueError("components return at most one value")
        self.type = func_type
        self._n = len(func_type.params)
        self._check_args = args_lowerer(func_type)
        self._writers = [writer(p.type) for p in func_type.params]
        self._reader = reader(func_type.results[0]) if func_type.results else None

    @classmethod
    def from_func(cls, store: Any, func: wc.Func, name: str = "",
                  wit: FuncType | None = None) -> ComponentFunction:
        """Prepare `func`, reading its type once; `wit` (if given) supplies WIT names."""
        derived = func_type_of(name, func.type(store))
        if wit is not None:
            check_compatible(wit, derived)
            return cls(wit)
        return cls(derived)

    def __call__(self, store: Any, func: wc.Func, args: Sequence[Any]) -> Any:
        checked = self._check_args(args)
        n = self._n
        params = (_Val * n)()
        try:
            for i, w in enumerate(self._writers):
                w(params[i], checked[i])
            if self._reader is None:
                _call(store, func, params if n else None, n, None, 0)
                return None
            result = _Val()
            _call(store, func, params if n else None, n, byref(result), 1)
            try:
                return self._reader(result)
            finally:
                _VAL_DELETE(byref(result))
        finally:
            for i in range(n):
                _VAL_DELETE(byref(params[i]))

