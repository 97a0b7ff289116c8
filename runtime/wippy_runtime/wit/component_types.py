"""wasmtime's component type objects -> our type model, and checking a declared signature
against what a component really exports.

Components carry no type names through wasmtime's API, so records, variants, enums, flags
and resources read from a component are named after their kind (`record`, `variant`, ...);
an entry's declared `wit` supplies the real names once `check_compatible` agrees the shapes
match.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import wasmtime.component as wc

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
from .visitor import CachingVisitor

__all__ = ["wit_type_of", "func_type_of", "check_compatible"]

_PRIM_OF = {
    wc.Bool: BOOL, wc.S8: S8, wc.U8: U8, wc.S16: S16, wc.U16: U16, wc.S32: S32, wc.U32: U32,
    wc.S64: S64, wc.U64: U64, wc.F32: F32, wc.F64: F64, wc.Char: CHAR, wc.String: STRING,
}


def _opt(vt: Any) -> WitType | None:
    return None if vt is None else wit_type_of(vt)


def _constant(prim: Primitive) -> Callable[[Any], WitType]:
    return lambda vt: prim


#: One translation per wasmtime component type class (they are disjoint classes, so a
#: dict keyed by class replaces a chain of isinstance checks).
_FROM_WASMTIME: dict[type, Callable[[Any], WitType]] = {
    **{cls: _constant(prim) for cls, prim in _PRIM_OF.items()},
    wc.ListType: lambda vt: ListType(wit_type_of(vt.element)),
    wc.RecordType: lambda vt: RecordType(
        "record", tuple(Field(n, wit_type_of(t)) for n, t in vt.fields)),
    wc.TupleType: lambda vt: TupleType(tuple(wit_type_of(t) for t in vt.elements)),
    wc.VariantType: lambda vt: VariantType(
        "variant", tuple(Case(n, _opt(t)) for n, t in vt.cases)),
    wc.EnumType: lambda vt: EnumType("enum", tuple(vt.names)),
    wc.FlagsType: lambda vt: FlagsType("flags", tuple(vt.names)),
    wc.OptionType: lambda vt: OptionType(wit_type_of(vt.payload)),
    wc.ResultType: lambda vt: ResultType(_opt(vt.ok), _opt(vt.err)),
    wc.OwnType: lambda vt: OwnType(ResourceType("resource")),
    wc.BorrowType: lambda vt: BorrowType(ResourceType("resource")),
}


def wit_type_of(vt: Any) -> WitType:
    """Translate a wasmtime component `ValType` into our type model.

    Pass a parsed `FuncType` to `ComponentFunction` to get the WIT names in error messages.
    """
    translate = _FROM_WASMTIME.get(type(vt))
    if translate is None:
        raise TypeError(f"unsupported component value type {type(vt).__name__}")
    return translate(vt)


def func_type_of(name: str, ft: Any) -> FuncType:
    """Translate a wasmtime component `FuncType` into ours."""
    result = ft.result
    return FuncType(
        name,
        tuple(Param(n, wit_type_of(t)) for n, t in ft.params),
        () if result is None else (wit_type_of(result),),
    )


class _Shapes(CachingVisitor[Any]):
    """A name-free structural key, to compare a parsed WIT type with a component's."""

    __slots__ = ()

    def visit_primitive(self, t: Primitive) -> Any:
        return t.name

    def visit_list(self, t: ListType) -> Any:
        return ("list", self.visit(t.element))

    def visit_record(self, t: RecordType) -> Any:
        return ("record", tuple((f.name, self.visit(f.type)) for f in t.fields))

    def visit_tuple(self, t: TupleType) -> Any:
        return ("tuple", tuple(self.visit(e) for e in t.elements))

    def visit_variant(self, t: VariantType) -> Any:
        return ("variant", tuple((c.name, c.type and self.visit(c.type)) for c in t.cases))

    def visit_option(self, t: OptionType) -> Any:
        return ("option", self.visit(t.inner))

    def visit_result(self, t: ResultType) -> Any:
        return ("result", t.ok and self.visit(t.ok), t.err and self.visit(t.err))

    def visit_enum(self, t: EnumType) -> Any:
        return ("enum", t.cases)

    def visit_flags(self, t: FlagsType) -> Any:
        return ("flags", t.names)

    def visit_own(self, t: OwnType) -> Any:
        return "own"

    def visit_borrow(self, t: BorrowType) -> Any:
        return "borrow"

    def visit_other(self, t: WitType) -> Any:
        return repr(t)

    visit_resource = visit_other


_shape = _Shapes()


def check_compatible(wit: FuncType, actual: FuncType) -> None:
    """Raise `ValueError` unless `wit` (declared) has the shape of `actual` (the export's)."""
    want = ([_shape(p.type) for p in wit.params], [_shape(r) for r in wit.results])
    have = ([_shape(p.type) for p in actual.params], [_shape(r) for r in actual.results])
    if want != have:
        raise ValueError(f"declared signature `{wit}` does not match the component's "
                         f"`{actual}`")
