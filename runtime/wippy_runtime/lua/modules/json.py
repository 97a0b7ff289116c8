"""The `json` module with Wippy's rules: integers stay integers, empty table encodes as `[]`.

`validate(schema, data)` / `validate_string(schema, text)` check data against a JSON Schema
(the `jsonschema` library, the draft the schema's `$schema` names, 2020-12 by default);
compiled validators are cached by the schema's canonical text (100 of them, as the real module
keeps). They answer `true`, or `false, err` (kind INVALID, the best-matching violation and where
it is) - never raise.
"""

from __future__ import annotations

import functools
import json
import math
from typing import TYPE_CHECKING, Any

from ...errors import INTERNAL, INVALID
from ..convert import ConversionError, to_lua, to_plain
from ._common import build, error
from .errors import LuaErrorValue

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict):
        if not value:
            return []
        keys = list(value)
        if any(isinstance(k, int) for k in keys) and any(isinstance(k, str) for k in keys):
            raise ValueError("cannot encode a table with mixed numeric and string keys")
        if all(isinstance(k, int) for k in keys):
            raise ValueError("cannot encode a sparse array")
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, LuaErrorValue):
        return str(value)
    return value


@functools.lru_cache(maxsize=100)
def _validator(schema_text: str) -> Any:
    # imported on first use: `import jsonschema` loads its format checkers, which can take
    # seconds (rfc3987-syntax builds a grammar at import), and every Lua state gets `json`
    import jsonschema
    import jsonschema.validators

    schema = json.loads(schema_text)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    cls.check_schema(schema)
    return cls(schema)


class _Invalid(Exception):
    pass


def _schema_text(schema: Any) -> str:
    """The schema (a Lua table or JSON text) as canonical JSON text, the cache key."""
    if isinstance(schema, bytes):
        try:
            value = json.loads(schema)
        except ValueError as exc:
            raise _Invalid(f"schema error: {exc}") from None
    else:
        try:
            value = to_plain(schema)
        except ConversionError as exc:
            raise _Invalid(f"schema error: {exc}") from None
        if value == []:
            value = {}
        if not isinstance(value, dict):
            raise _Invalid("schema error: schema must be a table or a JSON string")
    if not isinstance(value, (dict, bool)):
        raise _Invalid("schema error: schema must be a JSON object")
    return json.dumps(_jsonable_schema(value), sort_keys=True, separators=(",", ":"))


def _jsonable_schema(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable_schema(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable_schema(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _check(schema: Any, data: Any) -> Any:
    """`true`, or `false, err` (INVALID) naming the failing rule and its place."""
    import jsonschema.exceptions

    try:
        validator = _validator(_schema_text(schema))
    except _Invalid as exc:
        return False, error(str(exc), INVALID)
    except (jsonschema.exceptions.SchemaError, ValueError) as exc:
        message = getattr(exc, "message", str(exc))
        return False, error(f"compile schema: {message}", INVALID)
    problem = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if problem is None:
        return True
    where = "/".join(str(p) for p in problem.absolute_path)
    return False, error(f"validation failed: {problem.message}"
                        + (f" (at /{where})" if where else ""), INVALID)


def validate(schema: Any = None, data: Any = None, *_: Any) -> Any:
    if schema is None:
        return False, error("schema is required", INVALID)
    if data is None:
        return False, error("data is required", INVALID)
    try:
        plain = _jsonable_schema(to_plain(data))
    except ConversionError as exc:
        return False, error(f"convert data: {exc}", INVALID)
    return _check(schema, plain)


def validate_string(schema: Any = None, text: Any = None, *_: Any) -> Any:
    if schema is None:
        return False, error("schema is required", INVALID)
    if not isinstance(text, bytes):
        return False, error("data must be a JSON string", INVALID)
    try:
        data = json.loads(text)
    except ValueError as exc:
        return False, error(f"validation failed: invalid JSON: {exc}", INVALID)
    return _check(schema, data)


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua

    def encode(value: Any) -> Any:
        try:
            text = json.dumps(_jsonable(to_plain(value)), ensure_ascii=False,
                              separators=(",", ":"))
        except (ValueError, TypeError, ConversionError, RecursionError) as exc:
            return None, error(f"json.encode: {exc}", INTERNAL)
        return text.encode("utf-8"), None

    def decode(text: Any) -> Any:
        if not isinstance(text, bytes) or not text:
            return None, error("json.decode: expected a non-empty string", INVALID)
        try:
            value = json.loads(text)
        except (ValueError, RecursionError) as exc:
            return None, error(f"json.decode: {exc}", INTERNAL)
        return to_lua(lua, value), None

    state.bind("json", build(state, {"encode": encode, "decode": decode, "validate": validate,
                                     "validate_string": validate_string}))
