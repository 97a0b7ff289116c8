"""Calling wasmtime components with plain values: the one place values cross into components.

wasmtime-py's `Func.__call__` re-reads the function type on every call, re-reads record
fields for every record value, and hands back `Record` objects and variants that are tagged
or untagged depending on the type. Instead, `ComponentFunction` reads the type once (through
`Func.type(store)`), turns it into our type model, and builds specialised closures that write
checked values straight into the C API's `wasmtime_component_val_t` and read results back
into plain values. `wasmtime_component_func_call` only borrows the arguments, so they are
freed by us right after the call; results are read then freed with one
`wasmtime_component_val_delete`.

This module relies on wasmtime-py internals (`_ffi`, `Func._func`, `Store._context()`),
hence the `wasmtime>=50,<51` pin.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Sequence
from ctypes import byref, memset, sizeof, string_at
from typing import Any

import wasmtime.component as wc
from wasmtime import WasmtimeError
from wasmtime import _ffi as ffi
from wasmtime.component._enter import maybe_raise_last_exn

from .convert import ResourceHandle, WitValueError, check_lua_int, lower_args
from .types import (
    BOOL,
    CHAR,
    F32,
    F64,
    S8,
    S16,
    S32,
    S64,
    STRING,
    U8,
    U16,
    U32,
    U64,
    BorrowType,
    Case,
    EnumType,
    Field,
    FlagsType,
    FuncType,
    ListType,
    OptionType,
    OwnType,
    Param,
    Primitive,
    RecordType,
    ResourceType,
    ResultType,
    TupleType,
    VariantType,
    WitType,
)

__all__ = ["ComponentFunction", "ComponentResource", "wit_type_of", "func_type_of"]

_Val = ffi.wasmtime_component_val_t
_VAL_SIZE = sizeof(_Val)
_PAYLOAD_OFFSET = _Val.of.offset

_BYTE_VEC_NEW = ffi.dll["wasm_byte_vec_new"]  # a private handle: our own argtypes
_BYTE_VEC_NEW.restype = None
_BYTE_VEC_NEW.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]

_LIST_NEW = ffi.wasmtime_component_vallist_new_uninit
_RECORD_NEW = ffi.wasmtime_component_valrecord_new_uninit
_TUPLE_NEW = ffi.wasmtime_component_valtuple_new_uninit
_FLAGS_NEW = ffi.wasmtime_component_valflags_new_uninit
_VAL_NEW = ffi.wasmtime_component_val_new
_VAL_DELETE = ffi.wasmtime_component_val_delete
_FUNC_CALL = ffi.wasmtime_component_func_call

_K = {name: getattr(ffi, f"WASMTIME_COMPONENT_{name.upper()}").value for name in (
    "bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64", "f32", "f64", "char",
    "string", "list", "record", "tuple", "variant", "enum", "option", "result", "flags",
    "resource",
)}


# ---------------------------------------------------------------------------------------
# wasmtime's type objects -> our type model

_PRIM_OF = {
    wc.Bool: BOOL, wc.S8: S8, wc.U8: U8, wc.S16: S16, wc.U16: U16, wc.S32: S32, wc.U32: U32,
    wc.S64: S64, wc.U64: U64, wc.F32: F32, wc.F64: F64, wc.Char: CHAR, wc.String: STRING,
}


def wit_type_of(vt: Any) -> WitType:
    """Translate a wasmtime component `ValType` into our type model.

    Components carry no type names through this API, so records, variants, enums, flags
    and resources are named after their kind (`record`, `variant`, ...); pass a parsed
    `FuncType` to `ComponentFunction` to get the WIT names in error messages.
    """
    prim = _PRIM_OF.get(type(vt))
    if prim is not None:
        return prim
    if isinstance(vt, wc.ListType):
        return ListType(wit_type_of(vt.element))
    if isinstance(vt, wc.RecordType):
        return RecordType("record", tuple(Field(n, wit_type_of(t)) for n, t in vt.fields))
    if isinstance(vt, wc.TupleType):
        return TupleType(tuple(wit_type_of(t) for t in vt.elements))
    if isinstance(vt, wc.VariantType):
        return VariantType("variant", tuple(
            Case(n, None if t is None else wit_type_of(t)) for n, t in vt.cases))
    if isinstance(vt, wc.EnumType):
        return EnumType("enum", tuple(vt.names))
    if isinstance(vt, wc.FlagsType):
        return FlagsType("flags", tuple(vt.names))
    if isinstance(vt, wc.OptionType):
        return OptionType(wit_type_of(vt.payload))
    if isinstance(vt, wc.ResultType):
        ok, err = vt.ok, vt.err
        return ResultType(None if ok is None else wit_type_of(ok),
                          None if err is None else wit_type_of(err))
    if isinstance(vt, wc.OwnType):
        return OwnType(ResourceType("resource"))
    if isinstance(vt, wc.BorrowType):
        return BorrowType(ResourceType("resource"))
    raise TypeError(f"unsupported component value type {type(vt).__name__}")


def func_type_of(name: str, ft: Any) -> FuncType:
    """Translate a wasmtime component `FuncType` into ours."""
    result = ft.result
    return FuncType(
        name,
        tuple(Param(n, wit_type_of(t)) for n, t in ft.params),
        () if result is None else (wit_type_of(result),),
    )


# ---------------------------------------------------------------------------------------
# resources


class ComponentResource(ResourceHandle):
    """A guest resource handle (`own`/`borrow`) that Lua holds as an opaque value."""

    __slots__ = ("any",)

    def __init__(self, resource: ResourceType, any_: wc.ResourceAny) -> None:
        super().__init__(resource)
        self.any = any_

    def drop(self, store: Any) -> None:
        """Run the guest destructor now instead of leaking the handle in the store."""
        self.any.drop(store)


# ---------------------------------------------------------------------------------------
# writers: checked value -> wasmtime_component_val_t (in place)

Writer = Callable[[Any, Any], None]
Reader = Callable[[Any], Any]


def _set_bytes(vec: Any, data: bytes) -> None:
    _BYTE_VEC_NEW(byref(vec), len(data), data)


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
    entry_size = sizeof(ffi.wasmtime_component_valrecord_entry_t)

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
    name_size = sizeof(ffi.wasm_name_t)

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
            v.of.resource = h.any._consume()
        else:
            v.of.resource = ffi.wasmtime_component_resource_any_clone(h.any.ptr())

    return write


_PRIM_WRITERS: dict[str, Writer] = {
    "bool": _scalar_writer("bool", "boolean"),
    "char": _write_char,
    "string": _write_string,
    **{n: _scalar_writer(n, n) for n in ("s8", "u8", "s16", "u16", "s32", "u32", "s64",
                                          "u64", "f32", "f64")},
}

_WRITERS: dict[WitType, Writer] = {}


def writer(t: WitType) -> Writer:
    w = _WRITERS.get(t)
    if w is not None:
        return w
    if isinstance(t, Primitive):
        w = _PRIM_WRITERS[t.name]
    elif isinstance(t, ListType):
        w = _list_writer(t)
    elif isinstance(t, RecordType):
        w = _record_writer(t)
    elif isinstance(t, TupleType):
        w = _tuple_writer(t)
    elif isinstance(t, VariantType):
        w = _variant_writer(t)
    elif isinstance(t, OptionType):
        w = _option_writer(t)
    elif isinstance(t, ResultType):
        w = _result_writer(t)
    elif isinstance(t, EnumType):
        w = _enum_writer(t)
    elif isinstance(t, FlagsType):
        w = _flags_writer(t)
    elif isinstance(t, (OwnType, BorrowType)):
        w = _handle_writer(t)
    else:
        raise TypeError(f"cannot pass {t!r} to a component")
    _WRITERS[t] = w
    return w


# ---------------------------------------------------------------------------------------
# readers: wasmtime_component_val_t -> plain value (freed afterwards by the caller)


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
        ptr = ffi.take_pointer(v.of, "resource")  # ours now: not freed with the value
        return ComponentResource(res, wc.ResourceAny._from_ptr(ptr))

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

_READERS: dict[WitType, Reader] = {}


def reader(t: WitType) -> Reader:
    r = _READERS.get(t)
    if r is not None:
        return r
    if isinstance(t, Primitive):
        r = _PRIM_READERS[t.name]
    elif isinstance(t, ListType):
        r = _list_reader(t)
    elif isinstance(t, RecordType):
        r = _record_reader(t)
    elif isinstance(t, TupleType):
        r = _tuple_reader(t)
    elif isinstance(t, VariantType):
        r = _variant_reader(t)
    elif isinstance(t, OptionType):
        r = _option_reader(t)
    elif isinstance(t, ResultType):
        r = _result_reader(t)
    elif isinstance(t, EnumType):
        r = _read_enum
    elif isinstance(t, FlagsType):
        r = _read_flags
    elif isinstance(t, (OwnType, BorrowType)):
        r = _handle_reader(t)
    else:
        raise TypeError(f"cannot read {t!r} from a component")
    _READERS[t] = r
    return r


# ---------------------------------------------------------------------------------------
# the prepared call


class ComponentFunction:
    """A component export prepared for calls with plain values.

    Built once per (component, export) from the function's type; then called per
    instance as `cf(store, func, args)`. `args` are plain values; the result is a plain
    value (None without a result; a top-level `result` comes back as `{"ok": v}` /
    `{"err": e}`, see `convert.split_top_level_result`).
    """

    __slots__ = ("type", "_n", "_writers", "_reader", "_validate")

    def __init__(self, func_type: FuncType) -> None:
        if len(func_type.results) > 1:
            raise ValueError("components return at most one value")
        self.type = func_type
        self._n = len(func_type.params)
        self._writers = [writer(p.type) for p in func_type.params]
        self._reader = reader(func_type.results[0]) if func_type.results else None

    @classmethod
    def from_func(cls, store: Any, func: wc.Func, name: str = "",
                  wit: FuncType | None = None) -> ComponentFunction:
        """Prepare `func`, reading its type once; `wit` (if given) supplies WIT names."""
        derived = func_type_of(name, func.type(store))
        if wit is not None:
            _check_compatible(wit, derived)
            return cls(wit)
        return cls(derived)

    def __call__(self, store: Any, func: wc.Func, args: Sequence[Any]) -> Any:
        checked = lower_args(self.type, args)
        n = self._n
        params = (_Val * n)() if n else None
        try:
            for i, w in enumerate(self._writers):
                w(params[i], checked[i])
            if self._reader is None:
                _call(store, func, params, n, None, 0)
                return None
            result = _Val()
            _call(store, func, params, n, byref(result), 1)
            try:
                return self._reader(result)
            finally:
                _VAL_DELETE(byref(result))
        finally:
            for i in range(n):
                _VAL_DELETE(byref(params[i]))


def _call(store: Any, func: wc.Func, params: Any, n: int, result: Any, nres: int) -> None:
    err = _FUNC_CALL(byref(func._func), store._context(), params, n, result, nres)
    if err:
        error = WasmtimeError._from_ptr(err)
        maybe_raise_last_exn()  # a Python exception raised inside a host function
        raise error


def _shape(t: WitType) -> Any:
    """A name-free structural key, to compare a parsed WIT type with a component's."""
    if isinstance(t, Primitive):
        return t.name
    if isinstance(t, ListType):
        return ("list", _shape(t.element))
    if isinstance(t, RecordType):
        return ("record", tuple((f.name, _shape(f.type)) for f in t.fields))
    if isinstance(t, TupleType):
        return ("tuple", tuple(_shape(e) for e in t.elements))
    if isinstance(t, VariantType):
        return ("variant", tuple((c.name, c.type and _shape(c.type)) for c in t.cases))
    if isinstance(t, OptionType):
        return ("option", _shape(t.inner))
    if isinstance(t, ResultType):
        return ("result", t.ok and _shape(t.ok), t.err and _shape(t.err))
    if isinstance(t, EnumType):
        return ("enum", t.cases)
    if isinstance(t, FlagsType):
        return ("flags", t.names)
    if isinstance(t, OwnType):
        return "own"
    if isinstance(t, BorrowType):
        return "borrow"
    return repr(t)


def _check_compatible(wit: FuncType, actual: FuncType) -> None:
    want = ([_shape(p.type) for p in wit.params], [_shape(r) for r in wit.results])
    have = ([_shape(p.type) for p in actual.params], [_shape(r) for r in actual.results])
    if want != have:
        raise ValueError(f"declared signature `{wit}` does not match the component's "
                         f"`{actual}`")
