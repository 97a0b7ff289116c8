"""One generated Python function per component export: plain values in, the C call, plain
values out, with nothing in between but the value's own shape.

A call with a `list<user>` used to pass through a checker (`convert`), a writer closure per
value and a reader closure per value: dozens of Python calls, each re-dispatching on the
type. The type is known when the entry loads, so `compile_call(func_type)` writes the whole
call out once as straight-line Python (loops for lists, one branch per variant case) and
compiles it; `CompiledCall.source` shows it, and a traceback through it shows its lines.

The generated writer takes the shapes the runtime itself produces (records as dicts, lists
as lists, `{case = payload}` variants, `{flag = true}` flags, strings as str) and writes them
straight into wasmtime's `wasmtime_component_val_t`. Anything else (a float for an integer,
bytes for a string, a bare case name, a wrong value) makes it stop, free what it wrote and
hand the call to the general path (`convert` checks and normalises, `component_write`
writes), which either accepts the value by the same rules or raises the argument error with
its path. So the rules of what a value may be live in one place, `convert`; this module only
makes the common shapes fast. The round-trip property tests compare the two paths.

Results are always read by generated code (there is nothing to check on the way out, except
a u64 above Lua's integer range). Functions taking an `own` handle have no generated writer:
writing moves the handle into the callee, which a fallback could not undo.
"""

from __future__ import annotations

import ctypes
import linecache
from collections.abc import Callable, Sequence
from ctypes import byref, memset, string_at
from dataclasses import dataclass
from typing import Any

from ..wasmtime_private import (
    COMPONENT_KIND,
    COMPONENT_RECORD_ENTRY_SIZE,
    COMPONENT_VAL_PAYLOAD_OFFSET,
    COMPONENT_VAL_SIZE,
    WASM_NAME_SIZE,
    ComponentVal,
    byte_vec_new,
    component_func_call,
    component_val_delete,
    component_val_new,
    component_valflags_new_uninit,
    component_vallist_new_uninit,
    component_valrecord_new_uninit,
    component_valtuple_new_uninit,
    raise_component_call_error,
    resource_any_clone,
    take_resource,
)
from .handles import ComponentResource
from .plain import LUA_INT_MAX, check_lua_int
from .types import (
    INT_RANGES,
    U8,
    BorrowType,
    EnumType,
    FlagsType,
    FuncType,
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
from .visitor import CachingVisitor, TypeVisitor

__all__ = ["CompiledCall", "compile_call", "FALLBACK"]

_K = COMPONENT_KIND


class _Fallback(Exception):
    """Raised by generated writers: this value is not in a shape they write directly."""


#: what makes a generated call hand over to the general path (a str with an unpaired
#: surrogate fails its UTF-8 encoding the same way)
FALLBACK = (_Fallback, UnicodeEncodeError)


class _Source:
    """Lines of generated code, fresh local names and the constants the code refers to."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.env: dict[str, Any] = {}
        self._n = 0

    def var(self, stem: str) -> str:
        self._n += 1
        return f"{stem}{self._n}"

    def const(self, value: Any, stem: str = "c") -> str:
        name = f"_{stem}{len(self.env)}"
        self.env[name] = value
        return name

    def line(self, ind: int, text: str) -> None:
        self.lines.append("    " * ind + text)


#: `emit(src, ind, x, v)`: code at indent `ind` writing the plain value in local `x` into
#: the `wasmtime_component_val_t` in local `v`, or raising `_Fallback`
WriteEmit = Callable[[_Source, int, str, str], None]
#: `emit(src, ind, v) -> expr`: code at indent `ind` reading the value in local `v`; the
#: returned expression is its plain value (valid right after the emitted lines)
ReadEmit = Callable[[_Source, int, str], str]

_REJECT = "raise _Fallback"


def _no_payload(src: _Source, ind: int, p: str) -> None:
    """A case without payload takes `true` (what the runtime returns), nil or `{}`."""
    src.line(ind, f"if {p} is not True and {p} is not None and {p} != {{}}: {_REJECT}")


def _box(src: _Source, ind: int, emit: WriteEmit, x: str, slot: str) -> None:
    """A payload behind a pointer (options, results, variants): the box is allocated and
    owned by its parent before it is written, so a fallback half-way frees everything."""
    p, c = src.var("p"), src.var("c")
    src.line(ind, f"{p} = _VAL_NEW(byref(_Val()))")
    src.line(ind, f"{slot} = {p}")
    src.line(ind, f"{c} = {p}.contents")
    emit(src, ind, x, c)


class _Writers(CachingVisitor[WriteEmit]):
    __slots__ = ()

    def visit_primitive(self, t: Primitive) -> WriteEmit:
        name, kind = t.name, _K[t.name]
        if name == "bool":
            def emit(src: _Source, ind: int, x: str, v: str) -> None:
                src.line(ind, f"if {x} is not True and {x} is not False: {_REJECT}")
                src.line(ind, f"{v}.kind = {kind}")
                src.line(ind, f"{v}.of.boolean = {x}")
        elif name in INT_RANGES:
            lo, hi = INT_RANGES[name]

            def emit(src: _Source, ind: int, x: str, v: str) -> None:
                src.line(ind, f"if type({x}) is not int or not {lo} <= {x} <= {hi}: {_REJECT}")
                src.line(ind, f"{v}.kind = {kind}")
                src.line(ind, f"{v}.of.{name} = {x}")
        elif name in ("f32", "f64"):
            def emit(src: _Source, ind: int, x: str, v: str) -> None:
                src.line(ind, f"if type({x}) is not float:")
                src.line(ind + 1, f"if type({x}) is not int: {_REJECT}")
                src.line(ind + 1, f"{x} = float({x})")
                src.line(ind, f"{v}.kind = {kind}")
                src.line(ind, f"{v}.of.{name} = {x}")
        elif name == "char":
            def emit(src: _Source, ind: int, x: str, v: str) -> None:
                src.line(ind, f"if type({x}) is not str or len({x}) != 1 or "
                              f"0xD800 <= ord({x}) <= 0xDFFF: {_REJECT}")
                src.line(ind, f"{v}.kind = {kind}")
                src.line(ind, f"{v}.of.character = ord({x})")
        elif name == "string":
            def emit(src: _Source, ind: int, x: str, v: str) -> None:
                b = src.var("b")
                src.line(ind, f"if type({x}) is not str: {_REJECT}")
                src.line(ind, f"{b} = {x}.encode()")
                src.line(ind, f"{v}.kind = {kind}")
                src.line(ind, f"_BYTE_VEC_NEW(byref({v}.of.string), len({b}), {b})")
        else:  # pragma: no cover - the model has no other primitives
            raise self._unsupported(t)
        return emit

    def visit_list(self, t: ListType) -> WriteEmit:
        kind = _K["list"]
        if t.element == U8:
            u8_kind = bytes((_K["u8"],))

            def emit_bytes(src: _Source, ind: int, x: str, v: str) -> None:
                b, lst, n, buf = src.var("b"), src.var("lst"), src.var("n"), src.var("buf")
                src.line(ind, f"if type({x}) is bytes: {b} = {x}")
                src.line(ind, f"elif type({x}) is str: {b} = {x}.encode()")
                src.line(ind, f"elif type({x}) is dict and not {x}: {b} = b''")
                src.line(ind, f"else: {_REJECT}")
                src.line(ind, f"{v}.kind = {kind}")
                src.line(ind, f"{lst} = {v}.of.list")
                src.line(ind, f"{n} = len({b})")
                src.line(ind, f"_LIST_NEW(byref({lst}), {n})")
                src.line(ind, f"if {n}:")
                # one memmove from a strided template: every element is a u8 value
                src.line(ind + 1, f"{buf} = bytearray({n} * {COMPONENT_VAL_SIZE})")
                src.line(ind + 1, f"{buf}[0::{COMPONENT_VAL_SIZE}] = {u8_kind!r} * {n}")
                src.line(ind + 1, f"{buf}[{COMPONENT_VAL_PAYLOAD_OFFSET}::"
                                  f"{COMPONENT_VAL_SIZE}] = {b}")
                src.line(ind + 1, f"_memmove({lst}.data, bytes({buf}), len({buf}))")

            return emit_bytes
        elem = self.visit(t.element)

        def emit(src: _Source, ind: int, x: str, v: str) -> None:
            lst, n, data, i = src.var("lst"), src.var("n"), src.var("data"), src.var("i")
            y, e = src.var("x"), src.var("v")
            src.line(ind, f"if type({x}) is not list:")
            src.line(ind + 1, f"if type({x}) is not dict or {x}: {_REJECT}")
            src.line(ind + 1, f"{x} = ()")  # an empty Lua table
            src.line(ind, f"{v}.kind = {kind}")
            src.line(ind, f"{lst} = {v}.of.list")
            src.line(ind, f"{n} = len({x})")
            src.line(ind, f"_LIST_NEW(byref({lst}), {n})")
            src.line(ind, f"if {n}:")
            src.line(ind + 1, f"{data} = {lst}.data")
            src.line(ind + 1, f"memset({data}, 0, {n} * {COMPONENT_VAL_SIZE})")
            src.line(ind + 1, f"for {i}, {y} in enumerate({x}):")
            src.line(ind + 2, f"{e} = {data}[{i}]")
            elem(src, ind + 2, y, e)

        return emit

    def visit_record(self, t: RecordType) -> WriteEmit:
        fields = [(f.name, self.visit(f.type), isinstance(f.type, OptionType))
                  for f in t.fields]
        n = len(fields)
        kind = _K["record"]

        def emit(src: _Source, ind: int, x: str, v: str) -> None:
            rec, data = src.var("rec"), src.var("data")
            src.line(ind, f"if type({x}) is not dict: {_REJECT}")
            if any(optional for _, _, optional in fields):
                # option fields may be missing (nil); every key must still be a field
                names = src.const(frozenset(name for name, _, _ in fields), "fields")
                src.line(ind, f"if not {names}.issuperset({x}): {_REJECT}")
            else:  # every field present and no other key
                src.line(ind, f"if len({x}) != {n}: {_REJECT}")
            src.line(ind, f"{v}.kind = {kind}")
            src.line(ind, f"{rec} = {v}.of.record")
            src.line(ind, f"_RECORD_NEW(byref({rec}), {n})")
            src.line(ind, f"{data} = {rec}.data")
            src.line(ind, f"memset({data}, 0, {n * COMPONENT_RECORD_ENTRY_SIZE})")
            for index, (name, write, optional) in enumerate(fields):
                e, y = src.var("e"), src.var("x")
                label = src.const(name.encode(), "name")
                src.line(ind, f"{e} = {data}[{index}]")
                src.line(ind, f"_BYTE_VEC_NEW(byref({e}.name), {len(name.encode())}, {label})")
                src.line(ind, f"{y} = {x}.get({name!r})")
                if not optional:  # missing or nil: the general path names the field
                    src.line(ind, f"if {y} is None: {_REJECT}")
                fv = src.var("v")
                src.line(ind, f"{fv} = {e}.val")
                write(src, ind, y, fv)

        return emit

    def visit_tuple(self, t: TupleType) -> WriteEmit:
        elems = [self.visit(e) for e in t.elements]
        n = len(elems)
        kind = _K["tuple"]

        def emit(src: _Source, ind: int, x: str, v: str) -> None:
            tup, data = src.var("tup"), src.var("data")
            src.line(ind, f"if type({x}) is not list or len({x}) != {n}: {_REJECT}")
            src.line(ind, f"{v}.kind = {kind}")
            src.line(ind, f"{tup} = {v}.of.tuple")
            src.line(ind, f"_TUPLE_NEW(byref({tup}), {n})")
            if not n:
                return
            src.line(ind, f"{data} = {tup}.data")
            src.line(ind, f"memset({data}, 0, {n * COMPONENT_VAL_SIZE})")
            for index, write in enumerate(elems):
                e, y = src.var("v"), src.var("x")
                src.line(ind, f"{e} = {data}[{index}]")
                src.line(ind, f"{y} = {x}[{index}]")
                write(src, ind, y, e)

        return emit

    def visit_option(self, t: OptionType) -> WriteEmit:
        inner = self.visit(t.inner)
        kind = _K["option"]

        def emit(src: _Source, ind: int, x: str, v: str) -> None:
            src.line(ind, f"{v}.kind = {kind}")  # none: the payload pointer stays NULL
            src.line(ind, f"if {x} is not None:")
            _box(src, ind + 1, inner, x, f"{v}.of.option")

        return emit

    def _cases(self, kind_name: str, cases: list[tuple[str, WitType | None]]) -> WriteEmit:
        """Variants and results: a table with exactly one case key."""
        prepared = [(name, None if ct is None else self.visit(ct)) for name, ct in cases]
        kind = _K[kind_name]

        def emit(src: _Source, ind: int, x: str, v: str) -> None:
            tag, p, slot = src.var("tag"), src.var("p"), src.var("var")
            src.line(ind, f"if type({x}) is not dict or len({x}) != 1: {_REJECT}")
            src.line(ind, f"(({tag}, {p}),) = {x}.items()")
            src.line(ind, f"{v}.kind = {kind}")
            payload = "val"
            if kind_name == "result":
                src.line(ind, f"{slot} = {v}.of.result")
            else:
                src.line(ind, f"{slot} = {v}.of.variant")
            for index, (name, write) in enumerate(prepared):
                src.line(ind, f"{'if' if index == 0 else 'elif'} {tag} == {name!r}:")
                if kind_name == "result":
                    src.line(ind + 1, f"{slot}.is_ok = {name == 'ok'}")
                else:
                    label = src.const(name.encode(), "case")
                    src.line(ind + 1, f"_BYTE_VEC_NEW(byref({slot}.discriminant), "
                                      f"{len(name.encode())}, {label})")
                if write is None:
                    _no_payload(src, ind + 1, p)
                else:
                    _box(src, ind + 1, write, p, f"{slot}.{payload}")
            src.line(ind, f"else: {_REJECT}")

        return emit

    def visit_result(self, t: ResultType) -> WriteEmit:
        return self._cases("result", [("ok", t.ok), ("err", t.err)])

    def visit_variant(self, t: VariantType) -> WriteEmit:
        return self._cases("variant", [(c.name, c.type) for c in t.cases])

    def visit_enum(self, t: EnumType) -> WriteEmit:
        kind = _K["enum"]

        def emit(src: _Source, ind: int, x: str, v: str) -> None:
            names = src.const({name: name.encode() for name in t.cases}, "enum")
            b = src.var("b")
            src.line(ind, f"{b} = {names}.get({x}) if type({x}) is str else None")
            src.line(ind, f"if {b} is None: {_REJECT}")
            src.line(ind, f"{v}.kind = {kind}")
            src.line(ind, f"_BYTE_VEC_NEW(byref({v}.of.enumeration), len({b}), {b})")

        return emit

    def visit_flags(self, t: FlagsType) -> WriteEmit:
        kind = _K["flags"]

        def emit(src: _Source, ind: int, x: str, v: str) -> None:
            known = src.const(frozenset(t.names), "flags")
            order = src.const(tuple((name, name.encode()) for name in t.names), "flag")
            k, b, on, fl, data, i, nm = (src.var(s) for s in ("k", "b", "on", "fl", "data",
                                                               "i", "nm"))
            src.line(ind, f"if type({x}) is not dict: {_REJECT}")
            src.line(ind, f"for {k}, {b} in {x}.items():")
            src.line(ind + 1, f"if ({b} is not True and {b} is not False) or "
                              f"{k} not in {known}: {_REJECT}")
            src.line(ind, f"{on} = [{nm} for {k}, {nm} in {order} if {x}.get({k}) is True]")
            src.line(ind, f"{v}.kind = {kind}")
            src.line(ind, f"{fl} = {v}.of.flags")
            src.line(ind, f"_FLAGS_NEW(byref({fl}), len({on}))")
            src.line(ind, f"if {on}:")
            src.line(ind + 1, f"{data} = {fl}.data")
            src.line(ind + 1, f"memset({data}, 0, len({on}) * {WASM_NAME_SIZE})")
            src.line(ind + 1, f"for {i}, {nm} in enumerate({on}):")
            src.line(ind + 2, f"_BYTE_VEC_NEW(byref({data}[{i}]), len({nm}), {nm})")

        return emit

    def visit_own(self, t: OwnType) -> WriteEmit:
        raise _NoFastPath  # writing moves the handle: a fallback could not undo it

    def visit_borrow(self, t: BorrowType) -> WriteEmit:
        kind = _K["resource"]
        resource = t.resource.name

        def emit(src: _Source, ind: int, x: str, v: str) -> None:
            src.line(ind, f"if not isinstance({x}, _ComponentResource) or "
                          f"{x}.resource.name != {resource!r}: {_REJECT}")
            src.line(ind, f"{v}.kind = {kind}")
            src.line(ind, f"{v}.of.resource = _RESOURCE_CLONE({x}.any)")

        return emit


class _NoFastPath(Exception):
    """This signature gets no generated writer (see `visit_own`)."""


def _string(src: _Source, ind: int, vec: str) -> str:
    s = src.var("s")
    src.line(ind, f"{s} = {vec}")
    return f"(string_at({s}.data, {s}.size).decode() if {s}.size else '')"


class _Readers(TypeVisitor[ReadEmit]):
    """Not cached: each use site of a type gets its own code (and its own local names)."""

    __slots__ = ()

    def visit_primitive(self, t: Primitive) -> ReadEmit:
        name = t.name

        def emit(src: _Source, ind: int, v: str) -> str:
            if name == "bool":
                return f"bool({v}.of.boolean)"
            if name == "char":
                return f"chr({v}.of.character)"
            if name == "string":
                return _string(src, ind, f"{v}.of.string")
            if name == "u64":
                y = src.var("u")
                src.line(ind, f"{y} = {v}.of.u64")
                src.line(ind, f"if {y} > {LUA_INT_MAX}: _check_lua_int({y})")
                return y
            return f"{v}.of.{name}"

        return emit

    def visit_list(self, t: ListType) -> ReadEmit:
        if t.element == U8:
            def emit_bytes(src: _Source, ind: int, v: str) -> str:
                lst, y = src.var("lst"), src.var("y")
                src.line(ind, f"{lst} = {v}.of.list")
                src.line(ind, f"{y} = string_at({lst}.data, {lst}.size * {COMPONENT_VAL_SIZE})"
                              f"[{COMPONENT_VAL_PAYLOAD_OFFSET}::{COMPONENT_VAL_SIZE}] "
                              f"if {lst}.size else b''")
                return y

            return emit_bytes
        elem = self.visit(t.element)

        def emit(src: _Source, ind: int, v: str) -> str:
            lst, data, out, i, e = (src.var(s) for s in ("lst", "data", "out", "i", "v"))
            src.line(ind, f"{lst} = {v}.of.list")
            src.line(ind, f"{data} = {lst}.data")
            src.line(ind, f"{out} = []")
            src.line(ind, f"for {i} in range({lst}.size):")
            src.line(ind + 1, f"{e} = {data}[{i}]")
            value = elem(src, ind + 1, e)
            src.line(ind + 1, f"{out}.append({value})")
            return out

        return emit

    def visit_record(self, t: RecordType) -> ReadEmit:
        fields = [(f.name, self.visit(f.type)) for f in t.fields]

        def emit(src: _Source, ind: int, v: str) -> str:
            data, y = src.var("data"), src.var("rec")
            src.line(ind, f"{data} = {v}.of.record.data")
            parts = []
            for index, (name, read) in enumerate(fields):
                e = src.var("v")
                src.line(ind, f"{e} = {data}[{index}].val")
                parts.append(f"{name!r}: {read(src, ind, e)}")
            src.line(ind, f"{y} = {{{', '.join(parts)}}}")
            return y

        return emit

    def visit_tuple(self, t: TupleType) -> ReadEmit:
        elems = [self.visit(e) for e in t.elements]

        def emit(src: _Source, ind: int, v: str) -> str:
            data, y = src.var("data"), src.var("tup")
            src.line(ind, f"{data} = {v}.of.tuple.data")
            parts = []
            for index, read in enumerate(elems):
                e = src.var("v")
                src.line(ind, f"{e} = {data}[{index}]")
                parts.append(read(src, ind, e))
            src.line(ind, f"{y} = [{', '.join(parts)}]")
            return y

        return emit

    def visit_option(self, t: OptionType) -> ReadEmit:
        inner = self.visit(t.inner)

        def emit(src: _Source, ind: int, v: str) -> str:
            p, y, c = src.var("p"), src.var("opt"), src.var("v")
            src.line(ind, f"{p} = {v}.of.option")
            src.line(ind, f"if {p}:")
            src.line(ind + 1, f"{c} = {p}.contents")
            src.line(ind + 1, f"{y} = {inner(src, ind + 1, c)}")
            src.line(ind, f"else: {y} = None")
            return y

        return emit

    def visit_result(self, t: ResultType) -> ReadEmit:
        sides = [("ok", None if t.ok is None else self.visit(t.ok)),
                 ("err", None if t.err is None else self.visit(t.err))]

        def emit(src: _Source, ind: int, v: str) -> str:
            res, y = src.var("res"), src.var("result")
            src.line(ind, f"{res} = {v}.of.result")
            for index, (name, read) in enumerate(sides):
                src.line(ind, f"if {res}.is_ok:" if index == 0 else "else:")
                if read is None:
                    src.line(ind + 1, f"{y} = {{{name!r}: True}}")
                else:
                    c = src.var("v")
                    src.line(ind + 1, f"{c} = {res}.val.contents")
                    src.line(ind + 1, f"{y} = {{{name!r}: {read(src, ind + 1, c)}}}")
            return y

        return emit

    def visit_variant(self, t: VariantType) -> ReadEmit:
        cases = [(c.name, None if c.type is None else self.visit(c.type)) for c in t.cases]

        def emit(src: _Source, ind: int, v: str) -> str:
            var, tag, y = src.var("var"), src.var("tag"), src.var("variant")
            src.line(ind, f"{var} = {v}.of.variant")
            src.line(ind, f"{tag} = {_string(src, ind, f'{var}.discriminant')}")
            for index, (name, read) in enumerate(cases):
                src.line(ind, f"{'if' if index == 0 else 'elif'} {tag} == {name!r}:")
                if read is None:
                    src.line(ind + 1, f"{y} = {{{name!r}: True}}")
                else:
                    c = src.var("v")
                    src.line(ind + 1, f"{c} = {var}.val.contents")
                    src.line(ind + 1, f"{y} = {{{name!r}: {read(src, ind + 1, c)}}}")
            src.line(ind, f"else: raise ValueError('unknown variant case ' + repr({tag}))")
            return y

        return emit

    def visit_enum(self, t: EnumType) -> ReadEmit:
        def emit(src: _Source, ind: int, v: str) -> str:
            return _string(src, ind, f"{v}.of.enumeration")

        return emit

    def visit_flags(self, t: FlagsType) -> ReadEmit:
        def emit(src: _Source, ind: int, v: str) -> str:
            fl, data, i = src.var("fl"), src.var("data"), src.var("i")
            src.line(ind, f"{fl} = {v}.of.flags")
            src.line(ind, f"{data} = {fl}.data")
            return (f"{{string_at({data}[{i}].data, {data}[{i}].size).decode(): True "
                    f"for {i} in range({fl}.size)}}")

        return emit

    def visit_handle(self, t: OwnType | BorrowType) -> ReadEmit:
        def emit(src: _Source, ind: int, v: str) -> str:
            resource = src.const(t.resource, "resource")
            # ours now: taken out of the value, so deleting the value does not free it
            return f"_ComponentResource({resource}, _take_resource({v}.of))"

        return emit


_writers = _Writers()
_readers = _Readers()

_BASE_ENV: dict[str, Any] = {
    "_Fallback": _Fallback,
    "_Val": ComponentVal,
    "_VAL_NEW": component_val_new,
    "_VAL_DELETE": component_val_delete,
    "_BYTE_VEC_NEW": byte_vec_new,
    "_LIST_NEW": component_vallist_new_uninit,
    "_RECORD_NEW": component_valrecord_new_uninit,
    "_TUPLE_NEW": component_valtuple_new_uninit,
    "_FLAGS_NEW": component_valflags_new_uninit,
    "_RESOURCE_CLONE": resource_any_clone,
    "_take_resource": take_resource,
    "_ComponentResource": ComponentResource,
    "_CALL": component_func_call,
    "_call_failed": raise_component_call_error,
    "_check_lua_int": check_lua_int,
    "_memmove": ctypes.memmove,
    "byref": byref,
    "memset": memset,
    "string_at": string_at,
}


@dataclass(frozen=True)
class CompiledCall:
    """The generated functions of one signature.

    `call(fref, ctx, general, args)`: writes `args`, calls, reads the result; a value not
    in a directly written shape goes to `general(fref, ctx, args)` instead (None: the
    signature has no generated writer, always call `general`). `read(val)`: a result value
    as a plain value. `source` is the generated code.
    """

    call: Callable[[Any, Any, Callable[..., Any], Sequence[Any]], Any] | None
    read: Callable[[Any], Any]
    source: str


def _emit_read(src: _Source, result: WitType | None) -> None:
    src.line(0, "def read(v):")
    if result is None:
        src.line(1, "return None")
        return
    value = _readers.visit(result)(src, 1, "v")
    src.line(1, f"return {value}")


def _emit_call(src: _Source, func: FuncType) -> None:
    n = len(func.params)
    writes = [_writers.visit(p.type) for p in func.params]  # may raise _NoFastPath
    has_result = bool(func.results)
    src.line(0, "def call(fref, ctx, general, args):")
    src.line(1, f"if len(args) != {n}:")
    src.line(2, "return general(fref, ctx, args)")
    if n:
        src.line(1, "params = _Params()")
        src.env["_Params"] = ComponentVal * n
        src.line(1, "try:")
        for i, write in enumerate(writes):
            src.line(2, f"a{i} = args[{i}]")
            src.line(2, f"p{i} = params[{i}]")
            write(src, 2, f"a{i}", f"p{i}")
        src.line(1, "except _FALLBACK:")
        src.line(2, "_free(params)")
        src.line(2, "return general(fref, ctx, args)")
        src.line(1, "except BaseException:")
        src.line(2, "_free(params)")
        src.line(2, "raise")
    args = "params" if n else "None"
    if has_result:
        src.line(1, "result = _Val()")
    src.line(1, "try:")
    out = "byref(result), 1" if has_result else "None, 0"
    src.line(2, f"err = _CALL(fref, ctx, {args}, {n}, {out})")
    src.line(1, "finally:")
    if n:
        src.line(2, "_free(params)")
    else:
        src.line(2, "pass")
    src.line(1, "if err:")
    src.line(2, "_call_failed(err)")
    if has_result:
        src.line(1, "try:")
        src.line(2, "return read(result)")
        src.line(1, "finally:")
        src.line(2, "_VAL_DELETE(byref(result))")
    else:
        src.line(1, "return None")
    # freeing the arguments: unrolled (it runs on every call)
    src.line(0, "def _free(params):")
    for i in range(n):
        src.line(1, f"_VAL_DELETE(byref(params[{i}]))")
    if not n:
        src.line(1, "pass")


def compile_call(func: FuncType, name: str = "") -> CompiledCall:
    """Generate and compile the call and result reader of `func` (once per signature)."""
    if len(func.results) > 1:
        raise ValueError("components return at most one value")
    src = _Source()
    src.env.update(_BASE_ENV)
    src.env["_FALLBACK"] = FALLBACK
    _emit_read(src, func.results[0] if func.results else None)
    fast = True
    mark = len(src.lines)
    try:
        _emit_call(src, func)
    except _NoFastPath:
        del src.lines[mark:]
        fast = False
    code = "\n".join(src.lines) + "\n"
    filename = f"<component call {name or func.name}>"
    # tracebacks through generated code show its lines
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    env = dict(src.env)
    exec(compile(code, filename, "exec"), env)  # noqa: S102 - generated from the WIT type
    return CompiledCall(env["call"] if fast else None, env["read"], code)
