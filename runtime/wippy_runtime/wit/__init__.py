"""WIT for wippy: the grammar and type model, and value mapping between Lua and WIT.

Modules, in the order data flows through them:
- `types`: the type model (frozen dataclasses).
- `parser`: WIT text -> `WitDocument` / signatures (`parse_wit`, `parse_signatures`).
- `abi`: canonical ABI facts of a type (flattening, size, alignment; `core_flat_types`).
- `convert`: plain (Lua-side) values checked against a type (`lower_args`, `WitValueError`).
- `component_values`: calling wasmtime components with plain values (`ComponentFunction`).
- `canonical`: calling core modules through the canonical ABI (`CoreAbiFunction`).
"""

from .abi import MAX_FLAT_PARAMS, MAX_FLAT_RESULTS, core_flat_types
from .canonical import CoreAbiError, CoreAbiFunction, CoreResource
from .component_values import ComponentFunction, ComponentResource
from .convert import (
    ResourceHandle,
    WitValueError,
    lower_args,
    lower_value,
    split_top_level_result,
)
from .parser import Interface, WitDocument, WitError, World, parse_signatures, parse_wit
from .types import (
    BOOL,
    CHAR,
    F32,
    F64,
    PRIMITIVES,
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

__all__ = [
    "ComponentFunction",
    "ComponentResource",
    "CoreAbiFunction",
    "CoreAbiError",
    "CoreResource",
    "ResourceHandle",
    "WitValueError",
    "lower_args",
    "lower_value",
    "split_top_level_result",
    "parse_wit",
    "parse_signatures",
    "core_flat_types",
    "MAX_FLAT_PARAMS",
    "MAX_FLAT_RESULTS",
    "WitError",
    "WitDocument",
    "Interface",
    "World",
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
]
