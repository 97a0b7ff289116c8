"""The `registry` module: read the runtime's entries (`get`, `find`, `snapshot`), change them
(`snapshot:changes():create/update/delete(...):apply()`), and move through versions
(`current_version`, `versions`, `history`, `snapshot_at`, `apply_version`, `build_delta`).

An entry is the table `{id=, kind=, meta=, data=}` (data: the kind's fields). Changes reach the
live runtime: a created `function.lua` is callable as soon as `apply()` returns, a deleted one
is gone, and a change set that fails to build leaves everything as it was. Permissions are the
real runtime's: `registry.get` on each entry id (entries not allowed are left out of `find` and
snapshots; `get` fails PERMISSION_DENIED), `registry.apply` and `registry.apply_version`.

`find` filters: `kind`, `id`, `ns`, `name` (or `.kind` ...) match the entry itself with `*`
globs; any other key is a meta field (`type` and `meta.type` both mean `meta.type`; a nested
`meta = {...}` table too); a meta key prefixed `~` matches a regular expression, `*` a
substring, `^` a prefix and `$` a suffix; an array value must all be in the meta array.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ...errors import INTERNAL, INVALID, NOT_FOUND, PERMISSION_DENIED
from ...registry.entry import Entry, Origin
from ...registry.ids import InvalidIdError, parse_id
from ...registry.versions import (
    CREATE,
    DELETE,
    UPDATE,
    Operation,
    RegistryError,
    Version,
    build_delta,
    history_of,
)
from ...scheduler.event_bus import REGISTRY_SYSTEM, Event, bus_of
from ..convert import ConversionError, to_lua, to_plain
from ..objects import bad_argument, fail, lua_class, text_arg

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

_ROOT_FIELDS = ("kind", "id", "ns", "name")


def split_id(text: str) -> tuple[str, str]:
    """Wippy's lenient parse: namespace before the first colon, or "" when there is none."""
    ns, sep, name = text.partition(":")
    return (ns, name) if sep else ("", text)


def _glob(value: str, pattern: str) -> bool:
    if "*" not in pattern:
        return value == pattern
    regex = "^" + ".*".join(re.escape(p) for p in pattern.split("*")) + "$"
    return re.match(regex, value, re.S) is not None


def compile_filter(spec: dict[str, Any]) -> Any:
    """A predicate over entries from a `find` filter table (see the module docstring)."""
    root: dict[str, str] = {}
    meta: list[tuple[str, str, Any]] = []

    def add_meta(key: str, value: Any) -> None:
        op = key[0] if key[:1] in ("~", "*", "^", "$") else ""
        name = key[len(op):]
        if name.startswith("meta."):
            name = name[5:]
        meta.append((op, name, value))

    for key, value in spec.items():
        key = str(key)
        if key == "meta" and isinstance(value, dict):
            for k, v in value.items():
                add_meta(str(k), v)
        elif key.startswith("."):
            root[key[1:]] = str(value)
        elif key in _ROOT_FIELDS:
            root[key] = str(value)
        else:
            add_meta(key, value)

    def match(entry: Entry) -> bool:
        ns, name = split_id(entry.id)
        fields = {"kind": entry.kind, "id": entry.id, "ns": ns, "name": name}
        for key, pattern in root.items():
            if key in fields and not _glob(fields[key], pattern):
                return False
        for op, key, want in meta:
            have = entry.meta.get(key)
            if op == "":
                if key not in entry.meta:
                    return False
                if isinstance(want, list):
                    if not isinstance(have, list) or not all(w in have for w in want):
                        return False
                elif have != want:
                    return False
                continue
            if op == "*" and isinstance(have, list):
                if not any(isinstance(h, str) and str(want) in h for h in have):
                    return False
                continue
            if not isinstance(have, str):
                return False
            text = str(want)
            if op == "~":
                try:
                    if re.search(text, have) is None:
                        return False
                except re.error:
                    continue  # an invalid pattern is ignored, as Wippy does
            elif (op == "*" and text not in have) or (op == "^" and not have.startswith(text)) \
                    or (op == "$" and not have.endswith(text)):
                return False
        return True

    return match


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua
    security = runtime.security
    history = history_of(runtime)
    _publish_changes(runtime)

    def visible(entry_id: str) -> bool:
        return security.allowed("registry.get", entry_id)

    def entry_table(entry: Entry) -> Any:
        return to_lua(lua, {"id": entry.id, "kind": entry.kind, "meta": entry.meta,
                            "data": entry.data})

    def entries_table(entries: list[Entry]) -> Any:
        return lua.table_from([entry_table(e) for e in sorted(entries, key=lambda e: e.id)
                               if visible(e.id)])

    def entry_from(function: str, value: Any) -> Entry | tuple[Any, Any]:
        try:
            spec = to_plain(value)
        except ConversionError as exc:
            return fail(f"{function}: entry: {exc}", INVALID)
        if not isinstance(spec, dict):
            raise bad_argument(function, 1, "entry", "table", value)
        raw_id = spec.get("id")
        if isinstance(raw_id, dict):
            raw_id = f"{raw_id.get('ns', '')}:{raw_id.get('name', '')}"
        if not isinstance(raw_id, str):
            return fail(f"{function}: entry must have an id (\"namespace:name\")", INVALID)
        try:
            parse_id(raw_id)
        except InvalidIdError as exc:
            return fail(f"{function}: {exc.message}", INVALID)
        kind = spec.get("kind")
        if not isinstance(kind, str) or not kind:
            return fail(f"{function}: entry {raw_id} must have a kind", INVALID)
        meta = spec.get("meta") or {}
        data = spec.get("data") or {}
        if meta == []:
            meta = {}
        if data == []:
            data = {}
        if not isinstance(meta, dict) or not isinstance(data, dict):
            return fail(f"{function}: entry {raw_id}: meta and data must be tables with "
                        "string keys", INVALID)
        return Entry(id=raw_id, kind=kind, meta=meta, data=data, origin=Origin())

    # -- Version -------------------------------------------------------------------------
    def v_id(v: Version, *_: Any) -> int:
        return v.id

    def v_previous(v: Version, *_: Any) -> Any:
        return version_cls.new(v.parent) if v.parent is not None else None

    def v_next(v: Version, *_: Any) -> Any:
        n = history.next_of(v)
        return version_cls.new(n) if n is not None else None

    def v_string(v: Version, *_: Any) -> bytes:
        return str(v).encode()

    version_cls = lua_class(state, "registry.Version", {
        "id": v_id, "previous": v_previous, "next": v_next, "string": v_string,
    }, lambda v: str(v) if v is not None else "Version{}")

    def version_arg(function: str, value: Any) -> Version | None:
        v = version_cls.unwrap(value)
        return v if isinstance(v, Version) else None

    # -- Snapshot ------------------------------------------------------------------------
    def s_entries(v: Version, *_: Any) -> Any:
        return entries_table(list(v.state.values())), None

    def s_get(v: Version, entry_id: Any = None, *_: Any) -> Any:
        eid = text_arg("snapshot:get", 1, "id", entry_id)
        if not visible(eid):
            return fail(f"snapshot:get: permission denied: registry.get on {eid}",
                        PERMISSION_DENIED)
        entry = v.state.get(eid)
        if entry is None:
            return fail(f"snapshot:get: entry {eid} not found", NOT_FOUND)
        return entry_table(entry), None

    def s_namespace(v: Version, ns: Any = None, *_: Any) -> Any:
        name = text_arg("snapshot:namespace", 1, "ns", ns)
        return entries_table([e for e in v.state.values() if split_id(e.id)[0] == name])

    def s_find(v: Version, spec: Any = None, *_: Any) -> Any:
        match = filter_arg("snapshot:find", spec)
        return entries_table([e for e in v.state.values() if match(e)])

    def s_changes(v: Version, *_: Any) -> Any:
        return changes_cls.new(ChangeSet(v))

    def s_version(v: Version, *_: Any) -> Any:
        return version_cls.new(v)

    snapshot_cls = lua_class(state, "registry.Snapshot", {
        "entries": s_entries, "get": s_get, "namespace": s_namespace, "find": s_find,
        "changes": s_changes, "version": s_version,
    }, lambda v: f"Snapshot{{version={v.id}, entries={len(v.state)}}}" if v is not None
        else "Snapshot{}")

    # -- Changes -------------------------------------------------------------------------
    def c_ops(c: ChangeSet, *_: Any) -> Any:
        return lua.table_from([to_lua(lua, {"kind": op.kind, "entry": {
            "id": op.entry.id, "kind": op.entry.kind, "meta": op.entry.meta,
            "data": op.entry.data}}) for op in c.ops])

    def c_add(kind: str) -> Any:
        function = f"changes:{kind.split('.')[1]}"

        def add(c: ChangeSet, value: Any = None, *_: Any) -> Any:
            entry = entry_from(function, value)
            if isinstance(entry, tuple):
                return entry
            c.ops.append(Operation(kind, entry))
            return changes_cls.SELF

        return add

    def c_delete(c: ChangeSet, value: Any = None, *_: Any) -> Any:
        if isinstance(value, bytes):
            eid = value.decode("utf-8", "surrogateescape")
        else:
            spec = to_plain(value) if value is not None else None
            if not isinstance(spec, dict):
                return fail("changes:delete: invalid ID format (a \"namespace:name\" string or "
                            "{ns=, name=})", INVALID)
            eid = f"{spec.get('ns', '')}:{spec.get('name', '')}"
        c.ops.append(Operation(DELETE, Entry(id=eid, kind="", origin=Origin())))
        return changes_cls.SELF

    def c_apply(c: ChangeSet, *_: Any) -> Any:
        if not c.ops:
            return fail("changes:apply: no changes to apply", INVALID)
        if not security.allowed("registry.apply", ""):
            return fail("changes:apply: not allowed to apply registry changes",
                        PERMISSION_DENIED)
        try:
            version = history.apply_changes(c.ops)
        except RegistryError as exc:
            return fail(f"changes:apply: {exc.message}", exc.kind, details=exc.details)
        return version_cls.new(version), None

    changes_cls = lua_class(state, "registry.Changes", {
        "ops": c_ops, "create": c_add(CREATE), "update": c_add(UPDATE), "delete": c_delete,
        "apply": c_apply,
    }, lambda c: f"Changes{{ops={len(c.ops)}}}" if c is not None else "Changes{}")

    # -- History -------------------------------------------------------------------------
    def h_versions(_h: Any, *_: Any) -> Any:
        return lua.table_from([version_cls.new(v) for v in history.all()]), None

    def h_get_version(_h: Any, version_id: Any = None, *_: Any) -> Any:
        if isinstance(version_id, bool) or not isinstance(version_id, (int, float)):
            raise bad_argument("history:get_version", 1, "id", "integer", version_id)
        if version_id < 0:
            return fail("history:get_version: version id must be >= 0", INVALID)
        v = history.get(int(version_id))
        if v is None:
            return fail(f"history:get_version: version {int(version_id)} not found", NOT_FOUND)
        return version_cls.new(v), None

    def h_snapshot_at(_h: Any, value: Any = None, *_: Any) -> Any:
        v = version_arg("history:snapshot_at", value)
        if v is None:
            return fail("history:snapshot_at: a Version object is required", INVALID)
        return snapshot_cls.new(v), None

    history_cls = lua_class(state, "registry.History", {
        "versions": h_versions, "get_version": h_get_version, "snapshot_at": h_snapshot_at,
    }, lambda _h: f"History{{versions={len(history.versions)}}}")

    # -- module functions ----------------------------------------------------------------
    def filter_arg(function: str, spec: Any) -> Any:
        try:
            plain = to_plain(spec)
        except ConversionError as exc:
            raise bad_argument(function, 1, "filter", f"table ({exc})", spec) from None
        if plain == []:
            plain = {}
        if not isinstance(plain, dict):
            raise bad_argument(function, 1, "filter", "table", spec)
        return compile_filter(plain)

    def parse(text: Any = None, *_: Any) -> Any:
        ns, name = split_id(text_arg("registry.parse_id", 1, "id", text))
        return to_lua(lua, {"ns": ns, "name": name})

    def get(entry_id: Any = None, *_: Any) -> Any:
        eid = text_arg("registry.get", 1, "id", entry_id)
        if not visible(eid):
            return fail(f"registry.get: permission denied: registry.get on {eid}",
                        PERMISSION_DENIED)
        entry = history.sync().state.get(eid)
        if entry is None:
            return fail(f"registry.get: entry {eid} not found", NOT_FOUND)
        return entry_table(entry), None

    def find(spec: Any = None, *_: Any) -> Any:
        match = filter_arg("registry.find", spec)
        return entries_table([e for e in history.sync().state.values() if match(e)]), None

    def snapshot(*_: Any) -> Any:
        return snapshot_cls.new(history.sync()), None

    def snapshot_at(version_id: Any = None, *_: Any) -> Any:
        if isinstance(version_id, bool) or not isinstance(version_id, (int, float)):
            raise bad_argument("registry.snapshot_at", 1, "version_id", "integer", version_id)
        if version_id <= 0:
            return fail("registry.snapshot_at: version id must be > 0", INVALID)
        v = history.get(int(version_id))
        if v is None:
            return fail(f"registry.snapshot_at: version {int(version_id)} not found",
                        NOT_FOUND)
        return snapshot_cls.new(v), None

    def current_version(*_: Any) -> Any:
        return version_cls.new(history.sync()), None

    def versions(*_: Any) -> Any:
        return h_versions(None)

    def get_history(*_: Any) -> Any:
        return history_cls.new(history), None

    def apply_version(value: Any = None, *_: Any) -> Any:
        if not security.allowed("registry.apply_version", ""):
            return fail("registry.apply_version: not allowed to apply registry versions",
                        PERMISSION_DENIED, False)
        v = version_arg("registry.apply_version", value)
        if v is None:
            return fail("registry.apply_version: a Version object is required", INVALID,
                        False)
        try:
            history.apply_version(v)
        except RegistryError as exc:
            return fail(f"registry.apply_version: {exc.message}", INTERNAL, False,
                        details=exc.details)
        return True, None

    def delta(old: Any = None, new: Any = None, *_: Any) -> Any:
        sets = []
        for name, value in (("from_entries", old), ("to_entries", new)):
            try:
                plain = to_plain(value)
            except ConversionError as exc:
                return fail(f"registry.build_delta: {name}: {exc}", INVALID)
            if plain == {}:
                plain = []
            if not isinstance(plain, list):
                return fail(f"registry.build_delta: {name} must be an array of entries",
                            INVALID)
            entries = []
            for item in plain:
                e = entry_from("registry.build_delta", to_lua(lua, item))
                if isinstance(e, tuple):
                    return e
                entries.append(e)
            sets.append(entries)
        ops = build_delta(sets[0], sets[1])
        return lua.table_from([to_lua(lua, {"kind": op.kind, "entry": {
            "id": op.entry.id, "kind": op.entry.kind, "meta": op.entry.meta,
            "data": op.entry.data}}) for op in ops]), None

    module = lua.table()
    for name, fn in (("parse_id", parse), ("get", get), ("find", find), ("snapshot", snapshot),
                     ("snapshot_at", snapshot_at), ("current_version", current_version),
                     ("versions", versions), ("history", get_history),
                     ("apply_version", apply_version), ("build_delta", delta)):
        module[name.encode()] = fn
    state.bind("registry", module)


class ChangeSet:
    """Operations collected by `snapshot:changes()` until `apply()`."""

    __slots__ = ("base", "ops")

    def __init__(self, base: Version) -> None:
        self.base = base
        self.ops: list[Operation] = []


def _publish_changes(runtime: LuaHost) -> None:
    """Registry changes become events on the runtime's bus (system `registry`, path: id)."""
    history = history_of(runtime)
    if history.publishing:
        return
    history.publishing = True
    bus = bus_of(runtime)

    def publish(ops: tuple[Operation, ...]) -> None:
        for op in ops:
            e = op.entry
            bus.publish(Event(REGISTRY_SYSTEM, op.kind, e.id,
                              {"id": e.id, "kind": e.kind, "meta": e.meta, "data": e.data}))

    history.listeners.append(publish)
