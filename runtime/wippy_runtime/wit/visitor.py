"""One walk over the WIT type model, shared by every job that turns a type into something.

Checking plain values, canonical ABI layout, storing into and loading from linear memory,
writing and reading wasmtime component values, name resolution in the parser: each is a
`TypeVisitor` subclass with one method per kind of type. Dispatch is a dict keyed by the
type-model class, so adding a kind of type means adding one entry here and the missing
method shows up in every backend at once (as a `TypeError` naming the backend), instead of
being forgotten in one of many `isinstance` chains.

Visitors build things once per type (closures, layouts), not once per value, so the dict
lookup is never on a per-value path. `CachingVisitor` memoises per type: types are frozen
and hashable, and equal types get the same result.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from .types import (
    BorrowType,
    EnumType,
    FlagsType,
    ListType,
    OptionType,
    OwnType,
    Primitive,
    RecordType,
    ResourceType,
    ResultType,
    TupleType,
    VariantType,
    WitType,
)

__all__ = ["TypeVisitor", "CachingVisitor"]

R = TypeVar("R")

_METHOD: dict[type, str] = {
    Primitive: "visit_primitive",
    ListType: "visit_list",
    RecordType: "visit_record",
    TupleType: "visit_tuple",
    OptionType: "visit_option",
    ResultType: "visit_result",
    VariantType: "visit_variant",
    EnumType: "visit_enum",
    FlagsType: "visit_flags",
    OwnType: "visit_own",
    BorrowType: "visit_borrow",
    ResourceType: "visit_resource",
}


class TypeVisitor(Generic[R]):
    """Dispatch on the class of a WIT type; subclasses implement the kinds they support.

    Groupings the canonical ABI makes are defaults here: `visit_option`, `visit_result` and
    `visit_variant` fall back to `visit_variant_like` (all three are variants in the ABI),
    and `visit_own`/`visit_borrow` to `visit_handle`. A kind a visitor does not implement
    raises `TypeError` naming the visitor and the type.
    """

    __slots__ = ()

    def visit(self, t: WitType) -> R:
        method = _METHOD.get(type(t))
        if method is None:
            return self.visit_other(t)
        result: R = getattr(self, method)(t)
        return result

    def _unsupported(self, t: object) -> TypeError:
        return TypeError(f"{type(self).__name__} does not support {t!r}")

    def visit_primitive(self, t: Primitive) -> R:
        raise self._unsupported(t)

    def visit_list(self, t: ListType) -> R:
        raise self._unsupported(t)

    def visit_record(self, t: RecordType) -> R:
        raise self._unsupported(t)

    def visit_tuple(self, t: TupleType) -> R:
        raise self._unsupported(t)

    def visit_variant_like(self, t: VariantType | OptionType | ResultType) -> R:
        raise self._unsupported(t)

    def visit_option(self, t: OptionType) -> R:
        return self.visit_variant_like(t)

    def visit_result(self, t: ResultType) -> R:
        return self.visit_variant_like(t)

    def visit_variant(self, t: VariantType) -> R:
        return self.visit_variant_like(t)

    def visit_enum(self, t: EnumType) -> R:
        raise self._unsupported(t)

    def visit_flags(self, t: FlagsType) -> R:
        raise self._unsupported(t)

    def visit_handle(self, t: OwnType | BorrowType) -> R:
        raise self._unsupported(t)

    def visit_own(self, t: OwnType) -> R:
        return self.visit_handle(t)

    def visit_borrow(self, t: BorrowType) -> R:
        return self.visit_handle(t)

    def visit_resource(self, t: ResourceType) -> R:
        raise self._unsupported(t)

    def visit_other(self, t: WitType) -> R:
        """A class outside the model (the parser's unresolved references use this)."""
        raise self._unsupported(t)


class CachingVisitor(TypeVisitor[R]):
    """A visitor whose result per type is computed once; recursion through `visit` hits
    the cache too, so shared sub-types (a record used in many lists) are built once.

    The cache is a plain dict: two threads racing on a new type both build it and one
    result wins, which is harmless because results are pure functions of the type.
    """

    __slots__ = ("_cache",)

    def __init__(self) -> None:
        self._cache: dict[WitType, R] = {}

    def visit(self, t: WitType) -> R:
        try:
            return self._cache[t]
        except KeyError:
            pass
        result = super().visit(t)
        self._cache[t] = result
        return result

    __call__ = visit

