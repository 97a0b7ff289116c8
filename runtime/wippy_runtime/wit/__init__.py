"""WIT for wippy: the grammar and type model, and value mapping between Lua and WIT.

Modules, in the order data flows through them:
- `types`: the type model (frozen dataclasses); `visitor`: one dispatch over it, which every
  job below subclasses instead of testing classes one by one.
- `errors`: `WitError` (the text), `WitValueError` (a value), `CoreAbiError` (a module).
- parsing: `grammar` (lark, built on first use) -> `builder` (tree -> scopes) -> `scopes`
  (name resolution) -> `document` (`WitDocument`); `parser` is the entry (`parse_wit`).
- `abi`: canonical ABI facts of a type (`layout`: size, alignment, flattening).
- `plain`, `handles`: the plain value model's shared pieces and resource handles.
- `convert`: plain (Lua-side) values checked against a type (`args_lowerer`, `lower_value`).
- components: `component_types` (wasmtime's types -> ours), `component_call` (one generated
  function per export: plain values -> C values -> call -> plain values), `component_write`
  (checked values -> C values, for arguments the generated code hands over),
  `component` (`ComponentFunction`).
- core modules: `canonical_memory` (linear memory), `canonical_lower` / `canonical_lift`
  (values <-> memory and flat core values), `canonical` (`CoreAbiFunction`).
"""

from .abi import MAX_FLAT_PARAMS, MAX_FLAT_RESULTS, core_flat_types
from .canonical import CoreAbiFunction
from .component import ComponentFunction
from .convert import args_lowerer, lower_args, lower_value
from .document import Interface, WitDocument, World
from .errors import CoreAbiError, WitError, WitValueError
from .handles import ComponentResource, CoreResource, ResourceHandle
from .parser import parse_signatures, parse_wit
from .plain import check_lua_int, split_top_level_result
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
    "args_lowerer",
    "lower_args",
    "lower_value",
    "split_top_level_result",
    "check_lua_int",
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
