"""The WIT type model: frozen, hashable dataclasses shared by the parser and the converters.

Every converter in this package (plain values, wasmtime component values, canonical ABI
memory) is driven by these objects, so they are deliberately small and structural: two
types are equal when they have the same shape (and, for named types, the same name).
Aliases (`type x = ...`) are resolved away by the parser; `str(t)` prints WIT syntax, which
is what error messages show to users.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "WitType",
    "Primitive",
    "ListType",
    "OptionType",
    "ResultType",
    "TupleType",
    "Field",
    "RecordType",
    "Case",
    "VariantType",
    "EnumType",
    "FlagsType",
    "ResourceType",
    "OwnType",
    "BorrowType",
    "Param",
    "FuncType",
    "PRIMITIVES",
    "BOOL",
    "S8",
    "U8",
    "S16",
    "U16",
    "S32",
    "U32",
    "S64",
    "U64",
    "F32",
    "F64",
    "CHAR",
    "STRING",
    "INT_RANGES",
]


class WitType:
    """Base class of every WIT type (useful for isinstance checks and annotations)."""

    __slots__ = ()


@dataclass(frozen=True)
class Primitive(WitType):
    """`bool`, the integer widths, `f32`/`f64`, `char` or `string`."""

    name: str

    def __str__(self) -> str:
        return self.name


BOOL = Primitive("bool")
S8 = Primitive("s8")
U8 = Primitive("u8")
S16 = Primitive("s16")
U16 = Primitive("u16")
S32 = Primitive("s32")
U32 = Primitive("u32")
S64 = Primitive("s64")
U64 = Primitive("u64")
F32 = Primitive("f32")
F64 = Primitive("f64")
CHAR = Primitive("char")
STRING = Primitive("string")

PRIMITIVES: dict[str, Primitive] = {
    p.name: p for p in (BOOL, S8, U8, S16, U16, S32, U32, S64, U64, F32, F64, CHAR, STRING)
}

#: Inclusive value range of every integer primitive, by name.
INT_RANGES: dict[str, tuple[int, int]] = {
    "s8": (-(2**7), 2**7 - 1),
    "u8": (0, 2**8 - 1),
    "s16": (-(2**15), 2**15 - 1),
    "u16": (0, 2**16 - 1),
    "s32": (-(2**31), 2**31 - 1),
    "u32": (0, 2**32 - 1),
    "s64": (-(2**63), 2**63 - 1),
    "u64": (0, 2**64 - 1),
}


@dataclass(frozen=True)
class ListType(WitType):
    element: WitType

    def __str__(self) -> str:
        return f"list<{self.element}>"


@dataclass(frozen=True)
class OptionType(WitType):
    inner: WitType

    def __str__(self) -> str:
        return f"option<{self.inner}>"


@dataclass(frozen=True)
class ResultType(WitType):
    """`result<ok, err>`; either side may be None (`result<_, e>`, `result<t>`, `result`)."""

    ok: WitType | None = None
    err: WitType | None = None

    def __str__(self) -> str:
        if self.ok is None and self.err is None:
            return "result"
        if self.err is None:
            return f"result<{self.ok}>"
        return f"result<{'_' if self.ok is None else self.ok}, {self.err}>"


@dataclass(frozen=True)
class TupleType(WitType):
    elements: tuple[WitType, ...]

    def __str__(self) -> str:
        return f"tuple<{', '.join(map(str, self.elements))}>"


@dataclass(frozen=True)
class Field:
    name: str
    type: WitType


@dataclass(frozen=True)
class RecordType(WitType):
    name: str
    fields: tuple[Field, ...]

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Case:
    """A variant case; `type` is None for a case without payload."""

    name: str
    type: WitType | None = None


@dataclass(frozen=True)
class VariantType(WitType):
    name: str
    cases: tuple[Case, ...]

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class EnumType(WitType):
    name: str
    cases: tuple[str, ...]

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class FlagsType(WitType):
    name: str
    names: tuple[str, ...]

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class ResourceType(WitType):
    """A resource declaration. Used bare in a signature it means `own<name>`."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class OwnType(WitType):
    resource: ResourceType

    def __str__(self) -> str:
        return f"own<{self.resource.name}>"


@dataclass(frozen=True)
class BorrowType(WitType):
    resource: ResourceType

    def __str__(self) -> str:
        return f"borrow<{self.resource.name}>"


@dataclass(frozen=True)
class Param:
    name: str
    type: WitType

    def __str__(self) -> str:
        return f"{self.name}: {self.type}"


@dataclass(frozen=True)
class FuncType:
    """A function signature.

    `results` has 0 or 1 entries for modern WIT; Wippy's `-> (t1, t2)` form gives several.
    `docs` (from `///` comments) does not take part in equality or hashing.
    """

    name: str
    params: tuple[Param, ...]
    results: tuple[WitType, ...]
    docs: str | None = field(default=None, compare=False)

    def __str__(self) -> str:
        params = ", ".join(map(str, self.params))
        text = f"{self.name}: func({params})"
        if len(self.results) == 1:
            text += f" -> {self.results[0]}"
        elif self.results:
            text += f" -> ({', '.join(map(str, self.results))})"
        return text
