"""wasmtime's C `wasmtime_component_val_t` -> plain values (records as dicts, variants as
one-key dicts, option none as None), read in one pass; the caller frees the C value after.
"""

from __future__ import annotations

from collections.abc import Callable
from ctypes import string_at
from typing import Any

from ..wasmtime_private import COMPONENT_VAL_PAYLOAD_OFFSET, COMPONENT_VAL_SIZE, take_resource
from .handles import ComponentResource
from .plain import check_lua_int
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

__all__ = ["reader", "Reader"]

Reader = Callable[[Any], Any]

_VAL_SIZE = COMPONENT_VAL_SIZE
_PAYLOAD_OFFSET = COMPONENT_VAL_PAYLOAD_OFFSET


def _string_of(vec: Any) -> str:
    return string_at(vec.data, vec.size).decode("utf-8") if vec.size else ""


def _read_u64(v: Any) -> int:
    return check_lua_int(v.of.u64)


def _list_reader(t: ListType) -> Reader:
    if t.element == U8:

        def read_bytes(v: Any) -> bytes:
            lst = v.of.list
            n = lst.size
            if not n:
                return b""
            raw = string_at(lst.data, n * _VAL_SIZE)
            return raw[_PAYLOAD_OFFSET::_VAL_SIZE]

        return read_bytes
    elem = reader(t.element)

    def read(v: Any) -> list:
        lst = v.of.list
        data = lst.data
        return [elem(data[i]) for i in range(lst.size)]

    return read


def _record_reader(t: RecordType) -> Reader:
    fields = [(f.name, reader(f.type)) for f in t.fields]

    def read(v: Any) -> dict:
        data = v.of.record.data
        return {name: r(data[i].val) for i, (name, r) in enumerate(fields)}

    return read


def _tuple_reader(t: TupleType) -> Reader:
    elems = [reader(e) for e in t.elements]

    def read(v: Any) -> list:
        data = v.of.tuple.data
        return [r(data[i]) for i, r in enumerate(elems)]

    return read


def _variant_reader(t: VariantType) -> Reader:
    cases = {c.name: None if c.type is None else reader(c.type) for c in t.cases}

    def read(v: Any) -> dict:
        var = v.of.variant
        name = _string_of(var.discriminant)
        r = cases[name]
        return {name: True if r is None else r(var.val.contents)}

    return read


def _option_reader(t: OptionType) -> Reader:
    inner = reader(t.inner)

    def read(v: Any) -> Any:
        ptr = v.of.option
        return inner(ptr.contents) if ptr else None

    return read


def _result_reader(t: ResultType) -> Reader:
    ok = None if t.ok is None else reader(t.ok)
    err = None if t.err is None else reader(t.err)

    def read(v: Any) -> dict:
        res = v.of.result
        if res.is_ok:
            return {"ok": True if ok is None else ok(res.val.contents)}
        return {"err": True if err is None else err(res.val.contents)}

    return read


def _read_enum(v: Any) -> str:
    return _string_of(v.of.enumeration)


def _read_flags(v: Any) -> dict:
    flags = v.of.flags
    data = flags.data
    return {_string_of(data[i]): True for i in range(flags.size)}


def _handle_reader(t: OwnType | BorrowType) -> Reader:
    res = t.resource

    def read(v: Any) -> ComponentResource:
        # ours now: not freed with the value
        return ComponentResource(res, take_resource(v.of))

    return read


_PRIM_READERS: dict[str, Reader] = {
    "bool": lambda v: bool(v.of.boolean),
    "s8": lambda v: v.of.s8,
    "u8": lambda v: v.of.u8,
    "s16": lambda v: v.of.s16,
    "u16": lambda v: v.of.u16,
    "s32": lambda v: v.of.s32,
    "u32": lambda v: v.of.u32,
    "s64": lambda v: v.of.s64,
    "u64": _read_u64,
    "f32": lambda v: v.of.f32,
    "f64": lambda v: v.of.f64,
    "char": lambda v: chr(v.of.character),
    "string": lambda v: _string_of(v.of.string),
}

class _Readers(CachingVisitor[Reader]):
    __slots__ = ()

    def visit_primitive(self, t: Primitive) -> Reader:
        return _PRIM_READERS[t.name]

    def visit_list(self, t: ListType) -> Reader:
        return _list_reader(t)

    def visit_record(self, t: RecordType) -> Reader:
        return _record_reader(t)

    def visit_tuple(self, t: TupleType) -> Reader:
        return _tuple_reader(t)

    def visit_variant(self, t: VariantType) -> Reader:
        return _variant_reader(t)

    def visit_option(self, t: OptionType) -> Reader:
        return _option_reader(t)

    def visit_result(self, t: ResultType) -> Reader:
        return _result_reader(t)

    def visit_enum(self, t: EnumType) -> Reader:
        return _read_enum

    def visit_flags(self, t: FlagsType) -> Reader:
        return _read_flags

    def visit_handle(self, t: OwnType | BorrowType) -> Reader:
        return _handle_reader(t)


#: `reader(t)`: reads a `wasmtime_component_val_t` of type `t` into a plain value.
reader: Callable[[WitType], Reader] = _Readers()
