"""The `context` host (`wippy:runtime/context@0.1.0`): a guest reads its inherited context.

    actor-id:   func() -> option<string>
    actor-meta: func(key: string) -> option<string>
    get:        func(key: string) -> option<string>

(WIT with comments: `wit/context.wit` next to this file.) Wippy says WASM executions inherit
the caller's actor, scope and request context but gives a guest no way to
look at them; this opt-in profile does, so a notebook can show inheritance happening.

Why these choices:
- Read at call time from the current `ExecutionContext` (a ContextVar): the host function
  runs on the thread of the call that entered the guest, so it sees exactly what that call
  inherited — including `funcs.new():with_*` overrides made two calls up.
- Read-only, and no permission check beyond opting in: the values are the guest's own
  execution context, which a Lua function can read anyway with `security.actor()`/`ctx.get`.
- One string type for every value, so guests need no variant decoding: strings as they are,
  bytes UTF-8-decoded (invalid bytes replaced), anything else compact JSON (`42`, `true`,
  `{"a":1}`, `null`). A missing key, meta field or actor is `none`, never an error.
- Nothing is raised into the guest (a raise would poison the instance, host_linking §5): a
  key that is not a string cannot arrive through the canonical ABI, and encoding failures
  fall back to `str(value)`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..security import current

INTERFACE = "wippy:runtime/context"


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def value_text(value: Any) -> str:
    """A context or meta value as the string the guest receives (see the module docstring)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"),
                          default=_json_default)
    except (TypeError, ValueError):  # circular structures
        return str(value)


def _lookup(values: Mapping[str, Any] | None, key: Any) -> str | None:
    if values is None or not isinstance(key, str) or key not in values:
        return None
    return value_text(values[key])


class ContextHost:
    """The three host functions, bound to the entry whose guest calls them (for symmetry
    with `FuncsHost`; the values come from the current execution context, not the entry)."""

    def __init__(self, entry_id: str) -> None:
        self.entry_id = entry_id

    @staticmethod
    def actor_id(_store: Any) -> str | None:
        ctx = current()
        if ctx is None or ctx.actor is None:
            return None
        return ctx.actor.id

    @staticmethod
    def actor_meta(_store: Any, key: str) -> str | None:
        ctx = current()
        if ctx is None or ctx.actor is None:
            return None
        return _lookup(ctx.actor.meta, key)

    @staticmethod
    def get(_store: Any, key: str) -> str | None:
        ctx = current()
        return _lookup(ctx.values if ctx is not None else None, key)

    def define(self, instance: Any, exports: set[str]) -> None:
        """Add the functions the component imports to a LinkerInstance."""
        for name, fn in (("actor-id", self.actor_id), ("actor-meta", self.actor_meta),
                         ("get", self.get)):
            if name in exports:
                instance.add_func(name, fn)
