"""Type-level facts of the Component Model canonical ABI: flattening, size and alignment.

These are pure functions of a WIT type, computed in one memoised walk (`layout`), since
types are hashable. They are used to check that a core module's export matches its declared
`wit` (`core_flat_types`) and by the `canonical_*` modules to lay values out in linear memory.
"""

from __future__ import annotations

from dataclasses import dataclass

from .types import (
    BorrowType,
    EnumType,
    FlagsType,
    FuncType,
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
from .visitor import CachingVisitor

__all__ = [
    "MAX_FLAT_PARAMS",
    "MAX_FLAT_RESULTS",
    "Layout",
    "layout",
    "flatten",
    "core_flat_types",
    "size_of",
    "alignment",
    "align_to",
    "discriminant_size",
    "variant_cases",
    "payload_offset",
    "flags_size",
]

#: More flat parameters than this are passed as one pointer to a tuple in memory.
MAX_FLAT_PARAMS = 16
#: More flat results than this are returned through a pointer to a tuple in memory.
MAX_FLAT_RESULTS = 1

_PRIM_FLAT = {
    "bool": "i32", "s8": "i32", "u8": "i32", "s16": "i32", "u16": "i32", "s32": "i32",
    "u32": "i32", "char": "i32", "s64": "i64", "u64": "i64", "f32": "f32", "f64": "f64",
}
_PRIM_SIZE = {
    "bool": 1, "s8": 1, "u8": 1, "s16": 2, "u16": 2, "s32": 4, "u32": 4, "char": 4,
    "f32": 4, "s64": 8, "u64": 8, "f64": 8, "string": 8,
}


def variant_cases(t: WitType) -> tuple[WitType | None, ...]:
    """The payload types of a variant-like type (variant, option, result), in case order.

    option<T> is `variant { none, some(T) }` and result<T, E> is `variant { ok(T), err(E) }`
    in the canonical ABI, so one code path handles all three.
    """
    return _CASES.visit(t)


class _Cases(CachingVisitor[tuple[WitType | None, ...]]):
    __slots__ = ()

    def visit_variant(self, t: VariantType) -> tuple[WitType | None, ...]:
        return tuple(c.type for c in t.cases)

    def visit_option(self, t: OptionType) -> tuple[WitType | None, ...]:
        return (None, t.inner)

    def visit_result(self, t: ResultType) -> tuple[WitType | None, ...]:
        return (t.ok, t.err)


_CASES = _Cases()


def discriminant_size(num_cases: int) -> int:
    """Bytes of the case index: u8 up to 256 cases, u16 up to 65536, else u32."""
    if num_cases <= 1 << 8:
        return 1
    if num_cases <= 1 << 16:
        return 2
    return 4


def flags_size(n: int) -> int:
    if n == 0:
        return 0
    if n <= 8:
        return 1
    if n <= 16:
        return 2
    return 4 * ((n + 31) // 32)


def align_to(offset: int, align: int) -> int:
    return (offset + align - 1) // align * align


@dataclass(frozen=True, slots=True)
class Layout:
    """Everything the canonical ABI says about one type, computed in one walk.

    `size`/`align`: its bytes in linear memory; `flat`: the core value types that carry it
    as parameters or results (before the flat limits); `uses_memory`: it holds a string or
    a list, so passing it needs the module's memory (and, as a parameter, its allocator).
    """

    size: int
    align: int
    flat: tuple[str, ...]
    uses_memory: bool


def layout(t: WitType) -> Layout:
    """The canonical ABI layout of `t` (memoised per type)."""
    return _LAYOUT.visit(t)


def alignment(t: WitType) -> int:
    return _LAYOUT.visit(t).align


def size_of(t: WitType) -> int:
    return _LAYOUT.visit(t).size


def flatten(t: WitType) -> tuple[str, ...]:
    """The core wasm value types that carry `t` as parameters/results (before the limits)."""
    return _LAYOUT.visit(t).flat


def payload_offset(t: WitType) -> int:
    """Where a variant-like value's payload starts, after its discriminant."""
    cases = variant_cases(t)
    disc = discriminant_size(len(cases))
    return align_to(disc, max((alignment(c) for c in cases if c is not None), default=1))


def _join(a: str, b: str) -> str:
    if a == b:
        return a
    if {a, b} == {"i32", "f32"}:
        return "i32"
    return "i64"


_I32 = ("i32",)
_HANDLE = Layout(4, 4, _I32, False)
_POINTER_PAIR = ("i32", "i32")


class _Layouts(CachingVisitor[Layout]):
    __slots__ = ()

    def visit_primitive(self, t: Primitive) -> Layout:
        if t.name == "string":
            return Layout(8, 4, _POINTER_PAIR, True)
        size = _PRIM_SIZE[t.name]
        return Layout(size, size, (_PRIM_FLAT[t.name],), False)

    def visit_list(self, t: ListType) -> Layout:
        return Layout(8, 4, _POINTER_PAIR, True)

    def _members(self, members: tuple[WitType, ...]) -> Layout:
        parts = [self.visit(m) for m in members]
        align = max((p.align for p in parts), default=1)
        size = 0
        for p in parts:
            size = align_to(size, p.align) + p.size
        return Layout(align_to(size, align), align, tuple(ft for p in parts for ft in p.flat),
                      any(p.uses_memory for p in parts))

    def visit_record(self, t: RecordType) -> Layout:
        return self._members(tuple(f.type for f in t.fields))

    def visit_tuple(self, t: TupleType) -> Layout:
        return self._members(t.elements)

    def visit_variant_like(self, t: VariantType | OptionType | ResultType) -> Layout:
        cases = [self.visit(c) for c in variant_cases(t) if c is not None]
        disc = discriminant_size(len(variant_cases(t)))
        payload_align = max((c.align for c in cases), default=1)
        align = max(disc, payload_align)
        size = align_to(disc, payload_align) + max((c.size for c in cases), default=0)
        joined: list[str] = []
        for c in cases:
            for i, ft in enumerate(c.flat):
                if i < len(joined):
                    joined[i] = _join(joined[i], ft)
                else:
                    joined.append(ft)
        return Layout(align_to(size, align), align, ("i32", *joined),
                      any(c.uses_memory for c in cases))

    def visit_enum(self, t: EnumType) -> Layout:
        size = discriminant_size(len(t.cases))
        return Layout(size, size, _I32, False)

    def visit_flags(self, t: FlagsType) -> Layout:
        size = flags_size(len(t.names))
        return Layout(size, min(max(size, 1), 4), _I32 * ((len(t.names) + 31) // 32), False)

    def visit_handle(self, t: OwnType | BorrowType) -> Layout:
        return _HANDLE

    def visit_resource(self, t: ResourceType) -> Layout:
        return _HANDLE


_LAYOUT = _Layouts()


def flat_params(func: FuncType) -> tuple[str, ...]:
    return tuple(ft for p in func.params for ft in flatten(p.type))


def flat_results(func: FuncType) -> tuple[str, ...]:
    return tuple(ft for r in func.results for ft in flatten(r))


def core_flat_types(func: FuncType) -> tuple[list[str], list[str]]:
    """The core signature a module must export to implement `func` (callee/"lift" side).

    Parameters beyond MAX_FLAT_PARAMS collapse into one i32 pointer to the arguments in
    memory; results beyond MAX_FLAT_RESULTS make the export return one i32 pointer to them.
    """
    params = list(flat_params(func))
    results = list(flat_results(func))
    if len(params) > MAX_FLAT_PARAMS:
        params = ["i32"]
    if len(results) > MAX_FLAT_RESULTS:
        results = ["i32"]
    return params, results
