"""Values a core module returned, read from linear memory or flat core values into plain
values (the shapes the Lua boundary expects: records as dicts, variants as one-key dicts,
option none as None).

Everything read is checked against the ABI's rules (pointers inside memory and aligned,
valid UTF-8 and chars, case indexes in range, u64 within Lua's integers), because the
module is not trusted to follow them.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .abi import align_to, alignment, flags_size, flatten, payload_offset, size_of, variant_cases
from .canonical_memory import STRUCT_FORMAT, LinearMemory, discriminant_format
from .errors import CoreAbiError
from .handles import CoreResource
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

__all__ = ["loader", "flat_lifter", "read_string", "read_list"]

#: (memory, address) -> plain value
Load = Callable[[LinearMemory, int], Any]
#: (flat core values, memory) -> plain value; consumes exactly the type's flat values
FlatLift = Callable[[Iterator[Any], LinearMemory], Any]
#: (case index, payload or None) -> plain value
Shape = Callable[[int, Any], Any]


def read_string(mem: LinearMemory, ptr: int, n: int) -> str:
    if ptr + n > len(mem.view):
        raise CoreAbiError(f"string at {ptr} of {n} bytes is outside linear memory")
    try:
        return bytes(mem.view[ptr:ptr + n]).decode("utf-8")
    except UnicodeDecodeError:
        raise CoreAbiError("the module returned a string that is not valid UTF-8") from None


def _load_string(mem: LinearMemory, addr: int) -> str:
    ptr, n = struct.unpack_from("<II", mem.view, addr)
    return read_string(mem, ptr, n)


def _char(code: int) -> str:
    if code >= 0x110000 or 0xD800 <= code <= 0xDFFF:
        raise CoreAbiError(f"the module returned an invalid char U+{code:X}")
    return chr(code)


def read_list(mem: LinearMemory, t: ListType, ptr: int, n: int) -> Any:
    elem = t.element
    size = size_of(elem)
    if ptr % alignment(elem) or ptr + n * size > len(mem.view):
        raise CoreAbiError(f"{t} at {ptr} with {n} elements is misaligned or outside memory")
    if elem == U8:
        return bytes(mem.view[ptr:ptr + n])
    if isinstance(elem, Primitive) and elem.name in STRUCT_FORMAT and \
            elem.name not in ("bool", "char"):
        values = list(struct.unpack_from(f"<{n}{STRUCT_FORMAT[elem.name][1]}", mem.view, ptr))
        if elem.name == "u64":
            for v in values:
                check_lua_int(v)
        return values
    ld = loader(elem)
    return [ld(mem, ptr + i * size) for i in range(n)]


def _enum_case(t: EnumType, i: int) -> str:
    if i >= len(t.cases):
        raise CoreAbiError(f"the module returned case {i} for enum {t} ({len(t.cases)} cases)")
    return t.cases[i]


def _flags_value(t: FlagsType, mask: int) -> dict:
    return {name: True for bit, name in enumerate(t.names) if mask >> bit & 1}


class _Shapes(CachingVisitor[Shape]):
    """(case index, payload) -> the plain value of a variant-like type."""

    __slots__ = ()

    def visit_option(self, t: OptionType) -> Shape:
        return lambda i, p: p if i else None

    def visit_result(self, t: ResultType) -> Shape:
        ok_has, err_has = t.ok is not None, t.err is not None
        return lambda i, p: ({"ok": p if ok_has else True} if i == 0
                             else {"err": p if err_has else True})

    def visit_variant(self, t: VariantType) -> Shape:
        names = [(c.name, c.type is not None) for c in t.cases]

        def shape(i: int, p: Any) -> dict:
            name, has = names[i]
            return {name: p if has else True}

        return shape


_shape = _Shapes()


class _Loaders(CachingVisitor[Load]):
    """Per type: read a value stored at an address into a plain value."""

    __slots__ = ()

    def visit_primitive(self, t: Primitive) -> Load:
        name = t.name
        if name == "string":
            return _load_string
        fmt = STRUCT_FORMAT[name]
        if name == "bool":
            return lambda mem, addr: struct.unpack_from(fmt, mem.view, addr)[0] != 0
        if name == "char":
            return lambda mem, addr: _char(struct.unpack_from(fmt, mem.view, addr)[0])
        if name == "u64":
            return lambda mem, addr: check_lua_int(struct.unpack_from(fmt, mem.view, addr)[0])
        return lambda mem, addr: struct.unpack_from(fmt, mem.view, addr)[0]

    def visit_list(self, t: ListType) -> Load:
        def load(mem: LinearMemory, addr: int) -> Any:
            ptr, n = struct.unpack_from("<II", mem.view, addr)
            return read_list(mem, t, ptr, n)

        return load

    def _members(self, names: Sequence[str] | None, types: Sequence[WitType]) -> Load:
        offsets = []
        s = 0
        for t in types:
            s = align_to(s, alignment(t))
            offsets.append(s)
            s += size_of(t)
        parts = [(off, self.visit(t)) for off, t in zip(offsets, types, strict=True)]
        if names is None:
            return lambda mem, addr: [ld(mem, addr + off) for off, ld in parts]
        named = list(zip(names, parts, strict=True))
        return lambda mem, addr: {n: ld(mem, addr + off) for n, (off, ld) in named}

    def visit_record(self, t: RecordType) -> Load:
        return self._members([f.name for f in t.fields], [f.type for f in t.fields])

    def visit_tuple(self, t: TupleType) -> Load:
        return self._members(None, t.elements)

    def visit_variant_like(self, t: VariantType | OptionType | ResultType) -> Load:
        cases = [None if c is None else self.visit(c) for c in variant_cases(t)]
        fmt = discriminant_format(len(cases))
        off = payload_offset(t)
        shape = _shape(t)

        def load(mem: LinearMemory, addr: int) -> Any:
            i = struct.unpack_from(fmt, mem.view, addr)[0]
            if i >= len(cases):
                raise CoreAbiError(f"the module returned case {i} for {t} ({len(cases)} cases)")
            ld = cases[i]
            return shape(i, None if ld is None else ld(mem, addr + off))

        return load

    def visit_enum(self, t: EnumType) -> Load:
        fmt = discriminant_format(len(t.cases))
        return lambda mem, addr: _enum_case(t, struct.unpack_from(fmt, mem.view, addr)[0])

    def visit_flags(self, t: FlagsType) -> Load:
        size = flags_size(len(t.names))

        def load(mem: LinearMemory, addr: int) -> dict:
            mask = int.from_bytes(bytes(mem.view[addr:addr + size]), "little")
            return _flags_value(t, mask)

        return load

    def visit_handle(self, t: OwnType | BorrowType) -> Load:
        res = t.resource
        return lambda mem, addr: CoreResource(res, struct.unpack_from("<I", mem.view, addr)[0])


#: `loader(t)`: reads a value of `t` stored at an address into a plain value.
loader: Callable[[WitType], Load] = _Loaders()


# ---------------------------------------------------------------------------------------
# lifting flat results (at most MAX_FLAT_RESULTS core values, or a variant's payload)


def _uncoerce(value: Any, have: str, slot: str) -> Any:
    """Take a payload's flat value back out of a (joined) slot of a variant's flat form."""
    if have == slot:
        return value
    if have == "f32":
        return struct.unpack("<f", struct.pack("<I", value & 0xFFFFFFFF))[0]
    if have == "f64":
        return struct.unpack("<d", struct.pack("<Q", value & 0xFFFFFFFFFFFFFFFF))[0]
    return value & 0xFFFFFFFF  # i32 out of an i64 slot


def _int_lifter(name: str) -> FlatLift:
    bits = 64 if name in ("s64", "u64") else int(name[1:])
    mask = (1 << bits) - 1
    signed = name[0] == "s"
    top = 1 << (bits - 1)

    def lift(it: Iterator[Any], mem: LinearMemory) -> int:
        v = next(it) & mask
        if signed and v >= top:
            v -= 1 << bits
        return v

    if name == "u64":
        return lambda it, mem: check_lua_int(lift(it, mem))
    return lift


class _FlatLifters(CachingVisitor[FlatLift]):
    """Per type: the plain value carried by its flat core values."""

    __slots__ = ()

    def visit_primitive(self, t: Primitive) -> FlatLift:
        name = t.name
        if name == "bool":
            return lambda it, mem: next(it) != 0
        if name == "char":
            return lambda it, mem: _char(next(it) & 0xFFFFFFFF)
        if name in ("f32", "f64"):
            return lambda it, mem: next(it)
        if name == "string":
            return lambda it, mem: read_string(mem, next(it) & 0xFFFFFFFF,
                                               next(it) & 0xFFFFFFFF)
        return _int_lifter(name)

    def visit_list(self, t: ListType) -> FlatLift:
        def lift(it: Iterator[Any], mem: LinearMemory) -> Any:
            ptr = next(it) & 0xFFFFFFFF
            return read_list(mem, t, ptr, next(it) & 0xFFFFFFFF)

        return lift

    def visit_record(self, t: RecordType) -> FlatLift:
        fields = [(f.name, self.visit(f.type)) for f in t.fields]
        return lambda it, mem: {name: lift(it, mem) for name, lift in fields}

    def visit_tuple(self, t: TupleType) -> FlatLift:
        elems = [self.visit(e) for e in t.elements]
        return lambda it, mem: [lift(it, mem) for lift in elems]

    def visit_enum(self, t: EnumType) -> FlatLift:
        return lambda it, mem: _enum_case(t, next(it) & 0xFFFFFFFF)

    def visit_flags(self, t: FlagsType) -> FlatLift:
        words = len(flatten(t))

        def lift(it: Iterator[Any], mem: LinearMemory) -> dict:
            mask = 0
            for k in range(words):
                mask |= (next(it) & 0xFFFFFFFF) << (32 * k)
            return _flags_value(t, mask)

        return lift

    def visit_handle(self, t: OwnType | BorrowType) -> FlatLift:
        res = t.resource
        return lambda it, mem: CoreResource(res, next(it) & 0xFFFFFFFF)

    def visit_variant_like(self, t: VariantType | OptionType | ResultType) -> FlatLift:
        payloads = variant_cases(t)
        slots = flatten(t)[1:]
        cases: list[tuple[FlatLift, tuple[str, ...]] | None] = [
            None if c is None else (self.visit(c), flatten(c)) for c in payloads
        ]
        shape = _shape(t)

        def lift(it: Iterator[Any], mem: LinearMemory) -> Any:
            i = next(it) & 0xFFFFFFFF
            vals = [next(it) for _ in slots]
            if i >= len(cases):
                raise CoreAbiError(f"the module returned case {i} for {t}")
            case = cases[i]
            payload = None
            if case is not None:
                lift_case, have = case
                fixed = [_uncoerce(v, h, w) for v, h, w in zip(vals, have, slots, strict=False)]
                payload = lift_case(iter(fixed), mem)
            return shape(i, payload)

        return lift


#: `flat_lifter(t)`: reads a value of `t` from its flat core values.
flat_lifter: Callable[[WitType], FlatLift] = _FlatLifters()
