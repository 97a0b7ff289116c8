"""The `hub` module: Wippy Hub catalog requests, validated here, never sent.

Wippy's `hub` browses the Wippy Hub (modules, versions, readmes, dependencies, files) over
the network. wippy-kernel does not talk to the hub service, so every operation does what
needs no network exactly as Wippy does, in Wippy's order (the module reference, the version
reference, the permission `hub.<group>.<op>` on the module, then each option's type), and an
operation that would then send its request returns `nil, err` instead: kind Unavailable, not
retryable (trying again cannot help), with the operation and module in the message and in
`err:details()`. Lua code that checks its input with the hub keeps working; code that needs
the catalog fails with an error that says why, rather than hanging or timing out.

Validation errors are Wippy's: Invalid, "module reference required", "module name must be
org/name", "module reference table must include id or org/name", "version reference
required", "version table must include id, version, or label", "query required", and
`invalid option "page"` with details {option, expected, actual}. A denied permission is
PermissionDenied "not allowed: hub.modules.get" with details {action, resource}.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...errors import INVALID, PERMISSION_DENIED, UNAVAILABLE
from ...resources.memory_store import parse_duration
from ._common import bad_argument, build, is_table, lua_type, text
from .errors import LuaErrorValue

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState


class HubError(Exception):
    """A request that fails before (or instead of) reaching the hub: its Lua error value."""

    def __init__(self, value: LuaErrorValue) -> None:
        super().__init__(str(value))
        self.value = value


def _invalid(message: str) -> HubError:
    return HubError(LuaErrorValue(message, INVALID, retryable=False))


def _bad_option(key: str, expected: str, got: Any) -> HubError:
    return HubError(LuaErrorValue(f'invalid option "{key}"', INVALID, retryable=False,
                                  details={"option": key, "expected": expected,
                                           "actual": lua_type(got)}))


def _get(table: Any, key: str) -> Any:
    return table[key.encode()]


def _string(table: Any, key: str) -> str | None:
    value = _get(table, key)
    if value is None:
        return None
    if not isinstance(value, bytes):
        raise _bad_option(key, "string", value)
    return text(value)


def _number(table: Any, key: str) -> int | None:
    value = _get(table, key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad_option(key, "number", value)
    return int(value)


def _boolean(table: Any, key: str) -> bool | None:
    value = _get(table, key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise _bad_option(key, "boolean", value)
    return value


def _strings(table: Any, key: str) -> list[str] | None:
    value = _get(table, key)
    if value is None:
        return None
    if not is_table(value):
        raise _bad_option(key, "array", value)
    out = []
    for item in value.values():
        if not isinstance(item, bytes):
            raise _bad_option(key, "array of strings", item)
        out.append(text(item))
    return out


def _duration(table: Any, key: str) -> float | None:
    value = _get(table, key)
    if value is None:
        return None
    seconds = parse_duration(text(value)) if isinstance(value, bytes) else (
        float(value) if isinstance(value, (int, float)) and not isinstance(value, bool)
        else None)
    if seconds is None:
        raise _bad_option(key, "duration", value)
    return seconds


def _enum(choices: frozenset[str]) -> Callable[[Any, str], str | None]:
    """An enum option: a number (the raw enum value) or one of `choices` (any case)."""

    def read(table: Any, key: str) -> str | None:
        value = _get(table, key)
        if value is None:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(int(value))
        if isinstance(value, bytes):
            name = text(value).strip().lower().replace(" ", "_")
            if name in choices or name in ("", "unspecified", "any", "all"):
                return name
        raise _bad_option(key, key.replace("_", " "), value)

    return read


_VISIBILITY = _enum(frozenset({"public", "private", "internal"}))
_TYPE = _enum(frozenset({"library", "lib", "application", "app", "agent", "plugin"}))
_SORT = _enum(frozenset({"name_asc", "name-asc", "name_desc", "name-desc", "created_desc",
                         "created-desc", "updated_desc", "updated-desc", "downloads_desc",
                         "downloads-desc", "downloads"}))

#: per operation, its options beyond the common registry / token / timeout (name, reader)
_PAGING = (("page", _number), ("page_size", _number))
_OPTIONS: dict[str, tuple[tuple[str, Callable[[Any, str], Any]], ...]] = {
    "modules.list": (("organization_id", _string), ("org", _string), *_PAGING,
                     ("visibility", _VISIBILITY), ("type", _TYPE), ("sort_order", _SORT),
                     ("sort", _SORT)),
    "modules.search": (*_PAGING, ("keywords", _strings), ("license", _string),
                       ("include_deprecated", _boolean)),
    "versions.list": (*_PAGING, ("include_yanked", _boolean)),
    "dependents.get": _PAGING,
    "files.list": _PAGING,
}


def module_ref(value: Any) -> str:
    """A module reference ("org/name", a module id, or {id} / {org, name} / {full_name})
    -> the key the permission check uses; HubError when it is malformed."""
    if value is None:
        raise _invalid("module reference required")
    if isinstance(value, bytes):
        return _module_name(text(value))
    if not is_table(value):
        raise _invalid("module reference must be string or table")
    ref_id = _string(value, "id")
    if ref_id is not None:
        return ref_id
    org, name = _string(value, "org"), _string(value, "name")
    if org is not None and name is not None:
        return f"{org}/{name}"
    full = _string(value, "full_name")
    if full is not None:
        return _module_name(full)
    raise _invalid("module reference table must include id or org/name")


def _module_name(raw: str) -> str:
    name = raw.strip()
    if not name:
        raise _invalid("module reference required")
    if "/" in name:
        org, _, rest = name.partition("/")
        if not org or not rest:
            raise _invalid("module name must be org/name")
    return name


def version_ref(value: Any, field: str = "version") -> str:
    """A version reference ("1.2.3", or {id} / {version} / {label}) -> its text."""
    if isinstance(value, bytes):
        version = text(value).strip()
        if not version:
            raise _invalid("version reference required")
        return version
    if is_table(value):
        for key in ("id", "version", "label"):
            found = _string(value, key)
            if found is not None:
                return found
        raise _invalid(f"{field} table must include id, version, or label")
    raise _invalid(f"{field} reference must be string or table")


def options(value: Any, op: str) -> dict[str, Any]:
    """The options table of `op`, read with Wippy's types (None / absent: no options)."""
    if value is None:
        return {}
    if not is_table(value):
        raise _bad_option("options", "table", value)
    out: dict[str, Any] = {}
    for key, read in (("registry", _string), ("token", _string), ("timeout", _duration),
                      *_OPTIONS.get(op, ())):
        found = read(value, key)
        if found is not None:
            out[key] = found
    if op == "modules.readme":
        version = _get(value, "version")
        if version is not None:
            out["version"] = version_ref(version)
    return out


def install(state: LuaState, runtime: LuaHost) -> None:
    security = runtime.security

    def unreachable(op: str, module: str | None, opts: dict[str, Any]) -> tuple[None, Any]:
        what = f"hub.{op}" + (f" {module}" if module else "")
        details = {"operation": f"hub.{op}"}
        if module:
            details["module"] = module
        if "registry" in opts:
            details["registry"] = opts["registry"]
        return None, LuaErrorValue(
            f"{what}: the Wippy hub is not reachable from this runtime (wippy-kernel checks "
            "hub requests but sends none; modules come from the project or a wippy.lock "
            "replacement)", UNAVAILABLE,
            retryable=False, details=details)

    def allowed(op: str, resource: str) -> None:
        action = f"hub.{op}"
        if not security.allowed(action, resource):
            raise HubError(LuaErrorValue(f"not allowed: {action}", PERMISSION_DENIED,
                                         retryable=False,
                                         details={"action": action, "resource": resource}))

    def operation(op: str, *, version: str | None = None) -> Callable[..., Any]:
        """One hub call: `(module[, version], opts)`; `version` is "required" or
        "optional" for the operations that take one."""

        def call(module: Any = None, *rest: Any) -> Any:
            try:
                key = module_ref(module)
                ver: str | None = None
                if version is not None:
                    given = rest[0] if rest else None
                    if given is not None or version == "required":
                        if given is None:
                            raise _invalid("version reference required")
                        ver = version_ref(given)
                    rest = rest[1:]
                allowed(op, key)
                opts = options(rest[0] if rest else None, op)
            except HubError as exc:
                return None, exc.value
            if ver is not None:
                opts["version"] = ver
            return unreachable(op, key, opts)

        return call

    def modules_list(opts: Any = None, *_: Any) -> Any:
        try:
            allowed("modules.list", "")
            parsed = options(opts, "modules.list")
        except HubError as exc:
            return None, exc.value
        return unreachable("modules.list", None, parsed)

    def modules_search(query: Any = None, opts: Any = None, *_: Any) -> Any:
        if query is not None and not isinstance(query, (bytes, int, float)) or \
                isinstance(query, bool):
            raise bad_argument("search", 1, "string", query)
        q = "" if query is None else text(query) if isinstance(query, bytes) else str(query)
        try:
            if not q.strip():
                raise _invalid("query required")
            allowed("modules.search", q)
            parsed = options(opts, "modules.search")
        except HubError as exc:
            return None, exc.value
        return unreachable("modules.search", None, parsed)

    state.bind("hub", build(state, {
        "modules": {"list": modules_list, "search": modules_search,
                    "get": operation("modules.get"), "readme": operation("modules.readme")},
        "versions": {"list": operation("versions.list"),
                     "get": operation("versions.get", version="required"),
                     "inspect": operation("versions.inspect", version="required")},
        "dependencies": {"get": operation("dependencies.get", version="optional")},
        "dependents": {"get": operation("dependents.get")},
        "files": {"list": operation("files.list", version="required")},
    }))
