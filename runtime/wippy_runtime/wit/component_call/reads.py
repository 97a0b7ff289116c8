"""Generators of the reading half of a component call: for each WIT type, the code that
reads a `wasmtime_component_val_t` into the runtime's plain value (records as dicts, tuples
as lists, `{case = payload}` variants and results, `{flag = true}` flags, option none as
nil, list<u8> as bytes). Nothing needs checking on the way out except a u64 above Lua's
integer range.
"""

from __future__ import annotations

from ...wasmtime_private import COMPONENT_VAL_PAYLOAD_OFFSET, COMPONENT_VAL_SIZE
from ..plain import LUA_INT_MAX
from ..types import (
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
)
from ..visitor import TypeVisitor
from .source import ReadEmit, Source

__all__ = ["read_emitter"]


def _string(src: Source, ind: int, vec: str) -> str:
    s = src.var("s")
    src.line(ind, f"{s} = {vec}")
    return f"(string_at({s}.data, {s}.size).decode() if {s}.size else '')"


class _Readers(TypeVisitor[ReadEmit]):
    """Not cached: each use site of a type gets its own code (and its own local names)."""

    __slots__ = ()

    def visit_primitive(self, t: Primitive) -> ReadEmit:
        name = t.name

        def emit(src: Source, ind: int, v: str) -> str:
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
            def emit_bytes(src: Source, ind: int, v: str) -> str:
                lst, y = src.var("lst"), src.var("y")
                src.line(ind, f"{lst} = {v}.of.list")
                src.line(ind, f"{y} = string_at({lst}.data, {lst}.size * {COMPONENT_VAL_SIZE})"
                              f"[{COMPONENT_VAL_PAYLOAD_OFFSET}::{COMPONENT_VAL_SIZE}] "
                              f"if {lst}.size else b''")
                return y

            return emit_bytes
        elem = self.visit(t.element)

        def emit(src: Source, ind: int, v: str) -> str:
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

        def emit(src: Source, ind: int, v: str) -> str:
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

        def emit(src: Source, ind: int, v: str) -> str:
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

        def emit(src: Source, ind: int, v: str) -> str:
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

        def emit(src: Source, ind: int, v: str) -> str:
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

        def emit(src: Source, ind: int, v: str) -> str:
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
        def emit(src: Source, ind: int, v: str) -> str:
            return _string(src, ind, f"{v}.of.enumeration")

        return emit

    def visit_flags(self, t: FlagsType) -> ReadEmit:
        def emit(src: Source, ind: int, v: str) -> str:
            fl, data, i = src.var("fl"), src.var("data"), src.var("i")
            src.line(ind, f"{fl} = {v}.of.flags")
            src.line(ind, f"{data} = {fl}.data")
            return (f"{{string_at({data}[{i}].data, {data}[{i}].size).decode(): True "
                    f"for {i} in range({fl}.size)}}")

        return emit

    def visit_handle(self, t: OwnType | BorrowType) -> ReadEmit:
        def emit(src: Source, ind: int, v: str) -> str:
            resource = src.const(t.resource, "resource")
            # ours now: taken out of the value, so deleting the value does not free it
            return f"_ComponentResource({resource}, _take_resource({v}.of))"

        return emit


#: `read_emitter(t)`: the generator of code reading a value of `t`
read_emitter = _Readers()
