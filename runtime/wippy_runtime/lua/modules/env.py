"""The `env` module: `get`, `set`, `get_all` over the runtime's `env.variable` entries.

A key is a variable's public name (its `variable:` field, else its entry id, Wippy's rule); the
value comes from the variable's storage (`env.storage.memory`, `.os`, `.file`, `.static`,
`.router`), an empty one counting as unset, then its `default`. `set` writes through the
storage (read-only variables and storages give PERMISSION_DENIED). `get_all` merges what every
env storage holds, keeping the keys the caller may read. Permissions are Wippy's: `env.get` and
`env.set` on the key. Failures are `nil, err` (INVALID for an empty key, NOT_FOUND,
PERMISSION_DENIED); a non-string key raises Lua's argument error, as the real module does.
The real runtime also tries a bare name in the caller's namespace; here a bare key is only a
variable name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import INVALID, NOT_FOUND, PERMISSION_DENIED, WippyError
from ..convert import to_lua
from ._common import build, check_string, fail, text

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState


def _kind(built: Any) -> str:
    entry = getattr(built, "entry", None)
    return entry.kind if entry is not None else ""


def find_variable(runtime: LuaHost, key: str) -> Any:
    """The variable `key` names (a built `env.variable`, kinds/env_variable.py): by public
    name first, then by entry id. Built objects are told apart by their entry's kind, as
    lua/ builds on kinds/ only through the registry."""
    by_id = None
    for built in list(runtime.built.values()):
        if _kind(built) == "env.variable":
            if built.public_name == key:
                return built
            if built.entry.id == key:
                by_id = built
    return by_id


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua
    security = runtime.security

    def key_arg(value: Any, fn: str) -> str:
        return text(check_string(value, f"env.{fn}", 1))

    def get(key: Any = None, *_: Any) -> Any:
        name = key_arg(key, "get")
        if not name:
            return fail("env.get: empty key", INVALID)
        if not security.allowed("env.get", name):
            return fail(f"not allowed to access environment variable: {name}",
                        PERMISSION_DENIED)
        variable = find_variable(runtime, name)
        value = variable.value() if variable is not None else None
        if value is None:
            return fail(f"get environment variable failed: environment variable not found: "
                        f"{name}", NOT_FOUND)
        return value.encode("utf-8", "surrogateescape"), None

    def set_(key: Any = None, value: Any = None, *_: Any) -> Any:
        name = key_arg(key, "set")
        if not name:
            return fail("env.set: empty key", INVALID)
        new = text(check_string(value, "env.set", 2))
        if not security.allowed("env.set", name):
            return fail(f"not allowed to set environment variable: {name}", PERMISSION_DENIED)
        variable = find_variable(runtime, name)
        if variable is None:
            return fail(f"set environment variable failed: environment variable not found: "
                        f"{name}", NOT_FOUND)
        try:
            variable.set_value(new)
        except WippyError as exc:  # the storage's EnvError: read-only, not writable, ...
            return fail(f"set environment variable failed: {exc.message}", exc.kind)
        return True, None

    def get_all(*_: Any) -> Any:
        merged: dict[str, str] = {}
        for built in list(runtime.built.values()):
            if _kind(built).startswith("env.storage."):
                merged.update(built.list())
        visible = {k: v for k, v in merged.items() if security.allowed("env.get", k)}
        return to_lua(lua, visible), None

    state.bind("env", build(state, {"get": get, "set": set_, "get_all": get_all}))
