"""Checked values into a core module: stored in linear memory or flattened to core values.

Input is what `convert` produced (ints range-checked, records as tuples, variants as
`(case, payload)`), so nothing here validates shapes again. Strings and lists are copied
into blocks from the module's `cabi_realloc`, one block per string or list (a guest may
free each on its own).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from typing import Any

from .abi import align_to, alignment, flags_size, flatten, payload_offset, size_of, variant_cases
from .canonical_memory import STRUCT_FORMAT, LinearMemory, discriminant_format
from .errors import WitValueError
from .handles import CoreResource
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

__all__ = ["storer", "flat_lowerer", "to_core_arg", "write_string", "write_list"]

#: (memory, address, checked value) -> None
Store = Callable[[LinearMemory, int, Any], None]
#: (memory, checked value) -> the flat core values carrying it
FlatLower = Callable[[LinearMemory, Any], list]


def write_string(mem: LinearMemory, s: str) -> tuple[int, int]:
    data = s.encode("utf-8")
    ptr = mem.alloc(1, len(data))
    mem.view[ptr:ptr + len(data)] = data
    return ptr, len(data)


def write_list(mem: LinearMemory, t: ListType, xs: Any) -> tuple[int, int]:
    elem = t.element
    n = len(xs)
    if elem == U8:
        ptr = mem.alloc(1, n)
        mem.view[ptr:ptr + n] = xs
        return ptr, n
    size = size_of(elem)
    ptr = mem.alloc(alignment(elem), n * size)
    if n == 0:
        return 0, 0
    if isinstance(elem, Primitive) and elem.name in STRUCT_FORMAT:
        values = [ord(x) for x in xs] if elem.name == "char" else xs
        struct.pack_into(f"<{n}{STRUCT_FORMAT[elem.name][1]}", mem.view, ptr, *values)
        return ptr, n
    st = storer(elem)
    for i, x in enumerate(xs):
        st(mem, ptr + i * size, x)
    return ptr, n


def _store_string(mem: LinearMemory, addr: int, s: str) -> None:
    ptr, n = write_string(mem, s)
    struct.pack_into("<II", mem.view, addr, ptr, n)


def _scalar_storer(fmt: str) -> Store:
    return lambda mem, addr, x: struct.pack_into(fmt, mem.view, addr, x)


def _handle_index(h: Any) -> int:
    if not isinstance(h, CoreResource):
        raise WitValueError(f"expected a core module resource handle, got {h!r}")
    return h.index


class _Storers(CachingVisitor[Store]):
    """Per type: store a checked value at an address (its `size_of` bytes)."""

    __slots__ = ()

    def visit_primitive(self, t: Primitive) -> Store:
        if t.name == "string":
            return _store_string
        fmt = STRUCT_FORMAT[t.name]
        if t.name == "char":
            return lambda mem, addr, x: struct.pack_into(fmt, mem.view, addr, ord(x))
        return _scalar_storer(fmt)

    def visit_list(self, t: ListType) -> Store:
        def store(mem: LinearMemory, addr: int, xs: Any) -> None:
            ptr, n = write_list(mem, t, xs)
            struct.pack_into("<II", mem.view, addr, ptr, n)

        return store

    def _members(self, types: Sequence[WitType]) -> Store:
        offsets = []
        s = 0
        for t in types:
            s = align_to(s, alignment(t))
            offsets.append(s)
            s += size_of(t)
        parts = [(off, self.visit(t)) for off, t in zip(offsets, types, strict=True)]

        def store(mem: LinearMemory, addr: int, xs: tuple) -> None:
            for (off, st), x in zip(parts, xs, strict=True):
                st(mem, addr + off, x)

        return store

    def visit_record(self, t: RecordType) -> Store:
        return self._members([f.type for f in t.fields])

    def visit_tuple(self, t: TupleType) -> Store:
        return self._members(t.elements)

    def visit_variant_like(self, t: VariantType | OptionType | ResultType) -> Store:
        cases = [None if c is None else self.visit(c) for c in variant_cases(t)]
        fmt = discriminant_format(len(cases))
        off = payload_offset(t)

        def store(mem: LinearMemory, addr: int, x: tuple) -> None:
            i, payload = x
            struct.pack_into(fmt, mem.view, addr, i)
            st = cases[i]
            if st is not None:
                st(mem, addr + off, payload)

        return store

    def visit_enum(self, t: EnumType) -> Store:
        return _scalar_storer(discriminant_format(len(t.cases)))

    def visit_flags(self, t: FlagsType) -> Store:
        size = flags_size(len(t.names))
        if size == 0:
            return lambda mem, addr, x: None
        if size <= 4:
            return _scalar_storer({1: "<B", 2: "<H", 4: "<I"}[size])

        def store(mem: LinearMemory, addr: int, mask: int) -> None:
            for k in range(size // 4):
                struct.pack_into("<I", mem.view, addr + 4 * k, (mask >> (32 * k)) & 0xFFFFFFFF)

        return store

    def visit_handle(self, t: OwnType | BorrowType) -> Store:
        def store(mem: LinearMemory, addr: int, h: Any) -> None:
            struct.pack_into("<I", mem.view, addr, _handle_index(h))

        return store


#: `storer(t)`: stores a checked value of `t` at an address in linear memory.
storer: Callable[[WitType], Store] = _Storers()


# ---------------------------------------------------------------------------------------
# flat lowering (parameters that fit in core values)


def _coerce(value: Any, have: str, want: str) -> Any:
    """Put a flat value into a (joined) slot of a variant's flat form."""
    if have == want:
        return value
    if have == "f32":
        bits = struct.unpack("<I", struct.pack("<f", value))[0]
        return bits  # into i32 or i64 (zero-extended)
    if have == "f64":
        return struct.unpack("<q", struct.pack("<d", value))[0]
    return value  # i32 into i64


_ZERO = {"i32": 0, "i64": 0, "f32": 0.0, "f64": 0.0}


class _FlatLowerers(CachingVisitor[FlatLower]):
    """Per type: the flat core values carrying a checked value (strings and lists go to
    memory and travel as pointer and length)."""

    __slots__ = ()

    def visit_primitive(self, t: Primitive) -> FlatLower:
        if t.name == "string":
            return lambda mem, s: list(write_string(mem, s))
        if t.name == "char":
            return lambda mem, c: [ord(c)]
        if t.name == "bool":
            return lambda mem, b: [int(b)]
        return lambda mem, x: [x]

    def visit_list(self, t: ListType) -> FlatLower:
        return lambda mem, xs: list(write_list(mem, t, xs))

    def _members(self, members: Sequence[WitType]) -> FlatLower:
        parts = [self.visit(m) for m in members]

        def lower_members(mem: LinearMemory, xs: tuple) -> list:
            out: list = []
            for lw, x in zip(parts, xs, strict=True):
                out.extend(lw(mem, x))
            return out

        return lower_members

    def visit_record(self, t: RecordType) -> FlatLower:
        return self._members([f.type for f in t.fields])

    def visit_tuple(self, t: TupleType) -> FlatLower:
        return self._members(t.elements)

    def visit_variant_like(self, t: VariantType | OptionType | ResultType) -> FlatLower:
        slots = flatten(t)[1:]
        cases: list[tuple[FlatLower, tuple[str, ...]] | None] = [
            None if c is None else (self.visit(c), flatten(c)) for c in variant_cases(t)
        ]

        def lower_variant(mem: LinearMemory, x: tuple) -> list:
            i, payload = x
            out = [i]
            case = cases[i]
            if case is not None:
                lw, have = case
                vals = lw(mem, payload)
                out.extend(_coerce(v, h, w) for v, h, w in zip(vals, have, slots, strict=False))
            out.extend(_ZERO[s] for s in slots[len(out) - 1:])
            return out

        return lower_variant

    def visit_enum(self, t: EnumType) -> FlatLower:
        return lambda mem, i: [i]

    def visit_flags(self, t: FlagsType) -> FlatLower:
        words = len(flatten(t))
        return lambda mem, m: [(m >> (32 * k)) & 0xFFFFFFFF for k in range(words)]

    def visit_handle(self, t: OwnType | BorrowType) -> FlatLower:
        return lambda mem, h: [_handle_index(h)]


#: `flat_lowerer(t)`: the flat core values of a checked value of `t`.
flat_lowerer: Callable[[WitType], FlatLower] = _FlatLowerers()


def to_core_arg(value: Any, core: str) -> Any:
    """wasmtime-py wants i32/i64 arguments in the signed range."""
    if core == "i32":
        value &= 0xFFFFFFFF
        return value - (1 << 32) if value >= 1 << 31 else value
    if core == "i64":
        value &= 0xFFFFFFFFFFFFFFFF
        return value - (1 << 64) if value >= 1 << 63 else value
    return float(value)
