"""The `yaml` module on PyYAML, resolving scalars as YAML 1.2 does (Wippy's Go library).

YAML 1.1's extra booleans (`yes`, `on`, `off`, ...) and bare dates stay strings, as they do in
the real runtime; integers stay integers, sequences become arrays. `encode(table, options)`
writes block style with map keys sorted (Go's encoder sorts them), and
`{field_order = {"name", "kind"}}` puts those keys first at every level (the rest follow,
sorted); an empty table encodes as `[]` (the json module's rule). Errors are `nil, err`:
INVALID for a wrong or empty argument, INTERNAL for a YAML syntax error.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import yaml as _yaml

from ...errors import INTERNAL, INVALID
from ..convert import ConversionError, to_lua, to_plain
from ._common import build, fail, is_table, option
from .errors import LuaErrorValue

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState


class _Loader(_yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema booleans and no implicit timestamps."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in _yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool",
                              re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))


class _Dumper(_yaml.SafeDumper):
    """Block style, keys in table order; Lua error values dump as their message."""


_Dumper.add_representer(LuaErrorValue,
                        lambda d, v: d.represent_str(str(v)))


def _plain_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {(k if isinstance(k, (str, int, float, bool)) else str(k)): _plain_keys(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_keys(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _ordered(value: Any, first: dict[str, int]) -> Any:
    """Maps with `first` keys leading (in that order), then the others sorted."""
    if isinstance(value, dict):
        def rank(key: Any) -> tuple[int, int, str]:
            text_key = str(key)
            return (0, first[text_key], "") if text_key in first else (1, 0, text_key)
        return {k: _ordered(value[k], first) for k in sorted(value, key=rank)}
    if isinstance(value, list):
        return [_ordered(v, first) for v in value]
    return value


def _field_order(options: Any) -> dict[str, int]:
    names = option(options, "field_order")
    if not is_table(names):
        return {}
    order: dict[str, int] = {}
    for i in range(1, len(names) + 1):
        if isinstance(names[i], bytes):
            order.setdefault(names[i].decode("utf-8", "replace"), i)
    return order


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua

    def encode(data: Any = None, options: Any = None, *_: Any) -> Any:
        if data is None:
            return fail("yaml.encode: data is required", INVALID)
        if not is_table(data):
            return fail("yaml.encode: data must be a table", INVALID)
        try:
            plain = to_plain(data)
            if plain == {}:
                plain = []
            ordered = _ordered(_plain_keys(plain), _field_order(options))
            out = _yaml.dump(ordered, Dumper=_Dumper, sort_keys=False,
                             allow_unicode=True, default_flow_style=False)
        except (ConversionError, _yaml.YAMLError, RecursionError) as exc:
            return fail(f"yaml.encode: encode failed: {exc}", INTERNAL)
        return out.encode("utf-8"), None

    def decode(data: Any = None, *_: Any) -> Any:
        if not isinstance(data, bytes):
            return fail("yaml.decode: data must be a string", INVALID)
        if not data:
            return fail("yaml.decode: data must not be empty", INVALID)
        try:
            value = _yaml.load(data.decode("utf-8", "surrogateescape"), Loader=_Loader)
        except _yaml.YAMLError as exc:
            return fail(f"yaml.decode: {' '.join(str(exc).split())}", INTERNAL)
        except RecursionError:
            return fail("yaml.decode: document nested too deeply", INTERNAL)
        return to_lua(lua, _plain_keys(value)), None

    state.bind("yaml", build(state, {"encode": encode, "decode": decode}))
