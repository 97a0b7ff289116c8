"""Type-level facts of the Component Model canonical ABI: flattening, size and alignment.

These are pure functions of a WIT type (memoised, since types are hashable). They are used
to check that a core module's export matches its declared `wit` (`core_flat_types`) and by
`canonical.py` to lay values out in linear memory.
"""

from __future__ import annotations

from functools import cache

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

__all__ = [
    "MAX_FLAT_PARAMS",
    "MAX_FLAT_RESULTS",
    "flatten",
    "core_flat_types",
    "size_of",
    "alignment",
    "align_to",
    "discriminant_size",
    "variant_cases",
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
_PRIM_ALIGN = dict(_PRIM_SIZE, string=4)


def variant_cases(t: WitType) -> tuple[WitType | None, ...]:
    """The payload types of a variant-like type (variant, option, result), in case order.

    option<T> is `variant { none, some(T) }` and result<T, E> is `variant { ok(T), err(E) }`
    in the canonical ABI, so one code path handles all three.
    """
    if isinstance(t, VariantType):
        return tuple(c.type for c in t.cases)
    if isinstance(t, OptionType):
        return (None, t.inner)
    if isinstance(t, ResultType):
        return (t.ok, t.err)
    raise TypeError(f"{t} is not a variant-like type")


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


@cache
def alignment(t: WitType) -> int:
    if isinstance(t, Primitive):
        return _PRIM_ALIGN[t.name]
    if isinstance(t, ListType):
        return 4
    if isinstance(t, RecordType):
        return max((alignment(f.type) for f in t.fields), default=1)
    if isinstance(t, TupleType):
        return max((alignment(e) for e in t.elements), default=1)
    if isinstance(t, (VariantType, OptionType, ResultType)):
        cases = variant_cases(t)
        return max(discriminant_size(len(cases)),
                   max((alignment(c) for c in cases if c is not None), default=1))
    if isinstance(t, EnumType):
        return discriminant_size(len(t.cases))
    if isinstance(t, FlagsType):
        return min(max(flags_size(len(t.names)), 1), 4)
    if isinstance(t, (OwnType, BorrowType, ResourceType)):
        return 4
    raise TypeError(f"no canonical ABI alignment for {t!r}")


@cache
def size_of(t: WitType) -> int:
    if isinstance(t, Primitive):
        return _PRIM_SIZE[t.name]
    if isinstance(t, ListType):
        return 8
    if isinstance(t, (RecordType, TupleType)):
        members = [f.type for f in t.fields] if isinstance(t, RecordType) else list(t.elements)
        s = 0
        for m in members:
            s = align_to(s, alignment(m)) + size_of(m)
        return align_to(s, alignment(t))
    if isinstance(t, (VariantType, OptionType, ResultType)):
        cases = variant_cases(t)
        s = discriminant_size(len(cases))
        s = align_to(s, max((alignment(c) for c in cases if c is not None), default=1))
        s += max((size_of(c) for c in cases if c is not None), default=0)
        return align_to(s, alignment(t))
    if isinstance(t, EnumType):
        return discriminant_size(len(t.cases))
    if isinstance(t, FlagsType):
        return flags_size(len(t.names))
    if isinstance(t, (OwnType, BorrowType, ResourceType)):
        return 4
    raise TypeError(f"no canonical ABI size for {t!r}")


def _join(a: str, b: str) -> str:
    if a == b:
        return a
    if {a, b} == {"i32", "f32"}:
        return "i32"
    return "i64"


@cache
def flatten(t: WitType) -> tuple[str, ...]:
    """The core wasm value types that carry `t` as parameters/results (before the limits)."""
    if isinstance(t, Primitive):
        if t.name == "string":
            return ("i32", "i32")
        return (_PRIM_FLAT[t.name],)
    if isinstance(t, ListType):
        return ("i32", "i32")
    if isinstance(t, RecordType):
        return tuple(ft for f in t.fields for ft in flatten(f.type))
    if isinstance(t, TupleType):
        return tuple(ft for e in t.elements for ft in flatten(e))
    if isinstance(t, (VariantType, OptionType, ResultType)):
        joined: list[str] = []
        for c in variant_cases(t):
            if c is None:
                continue
            for i, ft in enumerate(flatten(c)):
                if i < len(joined):
                    joined[i] = _join(joined[i], ft)
                else:
                    joined.append(ft)
        return ("i32", *joined)
    if isinstance(t, EnumType):
        return ("i32",)
    if isinstance(t, FlagsType):
        return ("i32",) * ((len(t.names) + 31) // 32)
    if isinstance(t, (OwnType, BorrowType, ResourceType)):
        return ("i32",)
    raise TypeError(f"no canonical ABI flattening for {t!r}")


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
