"""Checked values -> wasmtime's C `wasmtime_component_val_t`, written in place.

Input is what `convert` produced (records as tuples, variants as `(case, payload)`, flags as
a bit mask), so nothing is validated again except that a handle belongs to a component.
Everything written is owned by the value and freed with it (`component_val_delete`), which
the caller does right after the call: `wasmtime_component_func_call` only borrows arguments.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from ctypes import byref, memset
from typing import Any

from ..wasmtime_private import (
    COMPONENT_KIND,
    COMPONENT_RECORD_ENTRY_SIZE,
    COMPONENT_VAL_PAYLOAD_OFFSET,
    COMPONENT_VAL_SIZE,
    WASM_NAME_SIZE,
    ComponentVal,
    byte_vec_new,
    component_val_new,
    component_valflags_new_uninit,
    component_vallist_new_uninit,
    component_valrecord_new_uninit,
    component_valtuple_new_uninit,
    resource_any_clone,
    resource_any_consume,
)
from .errors import WitValueError
from .handles import ComponentResource
from .types import (
    U8,
    BorrowType,
    EnumType,
    FlagsType,
    ListType,
    OptionType,
    OwnType,
    Primitive,
    RecordType,
    ResultType,
    TupleType,
    VariantType,
    WitType,
)
from .visitor import CachingVisitor

__all__ = ["writer", "Writer"]

_Val = ComponentVal
_VAL_SIZE = COMPONENT_VAL_SIZE
_PAYLOAD_OFFSET = COMPONENT_VAL_PAYLOAD_OFFSET
_K = COMPONENT_KIND
_BYTE_VEC_NEW = byte_vec_new
_LIST_NEW = component_vallist_new_uninit
_RECORD_NEW = component_valrecord_new_uninit
_TUPLE_NEW = component_valtuple_new_uninit
_FLAGS_NEW = component_valflags_new_uninit
_VAL_NEW = component_val_new

Writer = Callable[[Any, Any], None]


def _scalar_writer(kind_name: str, field: str) -> Writer:
    kind = _K[kind_name]

    def write(v: Any, x: Any) -> None:
        v.kind = kind
        setattr(v.of, field, x)

    return write


def _write_char(v: Any, x: str) -> None:
    v.kind = _K["char"]
    v.of.character = ord(x)


def _write_string(v: Any, x: str) -> None:
    v.kind = _K["string"]
    data = x.encode("utf-8")
    _BYTE_VEC_NEW(byref(v.of.string), len(data), data)


def _write_bytes(v: Any, data: bytes) -> None:
    """list<u8>: a list of u8 values, filled in one memmove from a strided template."""
    v.kind = _K["list"]
    lst = v.of.list
    n = len(data)
    _LIST_NEW(byref(lst), n)
    if n:
        buf = bytearray(n * _VAL_SIZE)
        buf[0::_VAL_SIZE] = bytes((_K["u8"],)) * n
        buf[_PAYLOAD_OFFSET::_VAL_SIZE] = data
        ctypes.memmove(lst.data, bytes(buf), len(buf))


def _list_writer(t: ListType) -> Writer:
    if t.element == U8:
        return _write_bytes
    elem = writer(t.element)
    kind = _K["list"]

    def write(v: Any, xs: list) -> None:
        v.kind = kind
        lst = v.of.list
        n = len(xs)
        _LIST_NEW(byref(lst), n)
        if n:
            data = lst.data
            memset(data, 0, n * _VAL_SIZE)  # valid (bool) values if a writer fails
            for i, x in enumerate(xs):
                elem(data[i], x)

    return write


def _record_writer(t: RecordType) -> Writer:
    fields = [(f.name.encode(), writer(f.type)) for f in t.fields]
    n = len(fields)
    kind = _K["record"]
    entry_size = COMPONENT_RECORD_ENTRY_SIZE

    def write(v: Any, xs: tuple) -> None:
        v.kind = kind
        rec = v.of.record
        _RECORD_NEW(byref(rec), n)
        data = rec.data
        memset(data, 0, n * entry_size)
        for i, (name, w) in enumerate(fields):
            e = data[i]
            _BYTE_VEC_NEW(byref(e.name), len(name), name)
            w(e.val, xs[i])

    return write


def _tuple_writer(t: TupleType) -> Writer:
    elems = [writer(e) for e in t.elements]
    n = len(elems)
    kind = _K["tuple"]

    def write(v: Any, xs: tuple) -> None:
        v.kind = kind
        tup = v.of.tuple
        _TUPLE_NEW(byref(tup), n)
        if n:
            data = tup.data
            memset(data, 0, n * _VAL_SIZE)
            for i, w in enumerate(elems):
                w(data[i], xs[i])

    return write


def _boxed(w: Writer, x: Any) -> Any:
    """A heap-allocated val holding `x` (payloads of variants, options and results)."""
    tmp = _Val()
    w(tmp, x)
    return _VAL_NEW(byref(tmp))  # moves the contents of tmp


def _variant_writer(t: VariantType) -> Writer:
    cases = [(c.name.encode(), None if c.type is None else writer(c.type)) for c in t.cases]
    kind = _K["variant"]

    def write(v: Any, x: tuple) -> None:
        i, payload = x
        name, w = cases[i]
        v.kind = kind
        var = v.of.variant
        _BYTE_VEC_NEW(byref(var.discriminant), len(name), name)
        if w is not None:
            var.val = _boxed(w, payload)

    return write


def _option_writer(t: OptionType) -> Writer:
    inner = writer(t.inner)
    kind = _K["option"]

    def write(v: Any, x: tuple) -> None:
        v.kind = kind
        if x[0]:
            v.of.option = _boxed(inner, x[1])

    return write


def _result_writer(t: ResultType) -> Writer:
    ok = None if t.ok is None else writer(t.ok)
    err = None if t.err is None else writer(t.err)
    kind = _K["result"]

    def write(v: Any, x: tuple) -> None:
        i, payload = x
        v.kind = kind
        res = v.of.result
        res.is_ok = i == 0
        w = ok if i == 0 else err
        if w is not None:
            res.val = _boxed(w, payload)

    return write


def _enum_writer(t: EnumType) -> Writer:
    names = [n.encode() for n in t.cases]
    kind = _K["enum"]

    def write(v: Any, i: int) -> None:
        v.kind = kind
        name = names[i]
        _BYTE_VEC_NEW(byref(v.of.enumeration), len(name), name)

    return write


def _flags_writer(t: FlagsType) -> Writer:
    names = [n.encode() for n in t.names]
    kind = _K["flags"]
    name_size = WASM_NAME_SIZE

    def write(v: Any, mask: int) -> None:
        v.kind = kind
        on = [name for bit, name in enumerate(names) if mask >> bit & 1]
        flags = v.of.flags
        _FLAGS_NEW(byref(flags), len(on))
        if on:
            data = flags.data
            memset(data, 0, len(on) * name_size)
            for i, name in enumerate(on):
                _BYTE_VEC_NEW(byref(data[i]), len(name), name)

    return write


def _handle_writer(t: OwnType | BorrowType) -> Writer:
    kind = _K["resource"]
    own = isinstance(t, OwnType)

    def write(v: Any, h: Any) -> None:
        if not isinstance(h, ComponentResource):
            raise WitValueError(f"expected a component resource handle, got {h!r}")
        v.kind = kind
        if own:  # ownership moves into the callee; the handle is spent
            v.of.resource = resource_any_consume(h.any)
        else:
            v.of.resource = resource_any_clone(h.any)

    return write


_PRIM_WRITERS: dict[str, Writer] = {
    "bool": _scalar_writer("bool", "boolean"),
    "char": _write_char,
    "string": _write_string,
    **{n: _scalar_writer(n, n) for n in ("s8", "u8", "s16", "u16", "s32", "u32", "s64",
                                          "u64", "f32", "f64")},
}

class _Writers(CachingVisitor[Writer]):
    __slots__ = ()

    def visit_primitive(self, t: Primitive) -> Writer:
        return _PRIM_WRITERS[t.name]

    def visit_list(self, t: ListType) -> Writer:
        return _list_writer(t)

    def visit_record(self, t: RecordType) -> Writer:
        return _record_writer(t)

    def visit_tuple(self, t: TupleType) -> Writer:
        return _tuple_writer(t)

    def visit_variant(self, t: VariantType) -> Writer:
        return _variant_writer(t)

    def visit_option(self, t: OptionType) -> Writer:
        return _option_writer(t)

    def visit_result(self, t: ResultType) -> Writer:
        return _result_writer(t)

    def visit_enum(self, t: EnumType) -> Writer:
        return _enum_writer(t)

    def visit_flags(self, t: FlagsType) -> Writer:
        return _flags_writer(t)

    def visit_handle(self, t: OwnType | BorrowType) -> Writer:
        return _handle_writer(t)


#: `writer(t)`: writes a checked value of `t` into a `wasmtime_component_val_t` in place.
writer: Callable[[WitType], Writer] = _Writers()
