"""The `store` module: `store.get(id)` hands out a Store object over a `store.memory` entry.

Wippy's conventions: `store.get` returns `store, nil` or `nil, err` (INVALID for an empty id or
an entry that is not a store); the Store's `get/set/has/delete` return `value, nil` /
`nil, err` (a missing key is NOT_FOUND for `get`, `false, nil` for `has` and `delete`); every
method of a released Store fails with INVALID; `release()` is idempotent and returns true.
Permissions are checked as the real runtime does: `store.get` on the store id, and
`store.key.get|set|has|delete|list` on the store id with `{key=...}` (or `{prefix=...}`) meta; a
denial of `store.get` or of a key read/write raises, the others return PERMISSION_DENIED.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import CONFLICT, INTERNAL, INVALID, NOT_FOUND, PERMISSION_DENIED, CallError
from ...resources.memory_store import MemoryStore
from ..convert import ConversionError, to_lua, to_plain
from ..objects import bad_argument, built, fail, lua_class, text_arg

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

BACKENDS = {"KV_RAFT": "kv.raft", "KV_CRDT": "kv.crdt", "MEMORY": "memory", "SQL": "sql",
            "UNKNOWN": "unknown"}
CONSISTENCY = {"LINEARIZABLE": "linearizable", "EVENTUAL": "eventual", "LOCAL": "local",
               "UNKNOWN": "unknown"}


class StoreHandle:
    """One `store.get` result: the store it reads, until released."""

    __slots__ = ("id", "store", "released")

    def __init__(self, store_id: str, store: MemoryStore) -> None:
        self.id = store_id
        self.store: MemoryStore | None = store
        self.released = False


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua
    security = runtime.security

    def denied(action: str, resource: str, meta: dict[str, Any] | None = None) -> str | None:
        if security.allowed(action, resource, meta):
            return None
        what = f" key {meta.get('key') or meta.get('prefix')!r}" if meta else ""
        return f"permission denied: {action} on {resource}{what}"

    def active(h: StoreHandle, method: str) -> MemoryStore | tuple[Any, Any]:
        if h.released or h.store is None:
            return fail(f"store:{method}: store {h.id} is released", INVALID)
        return h.store

    def key_of(method: str, key: Any) -> str:
        if not isinstance(key, bytes):
            raise bad_argument(f"store:{method}", 1, "key", "string", key)
        return key.decode("utf-8", "surrogateescape")

    def keyed(h: StoreHandle, method: str, key: Any) -> tuple[Any, Any]:
        """(store, key) for a method on one key, or (None, Lua's `nil, err`): a released
        store or an empty key."""
        s = active(h, method)
        if isinstance(s, tuple):
            return None, s
        k = key_of(method, key)
        if not k:
            return None, fail(f"store:{method}: key is required", INVALID)
        return s, k

    def check_key(h: StoreHandle, method: str, action: str, key: str, raise_: bool) -> Any:
        why = denied(action, h.id, {"key": key})
        if why is None:
            return None
        if raise_:
            raise CallError(f"store:{method}: {why}", kind=PERMISSION_DENIED)
        return fail(f"store:{method}: {why}", PERMISSION_DENIED)

    def plain_value(method: str, value: Any) -> Any:
        try:
            return to_plain(value)
        except ConversionError as exc:
            raise CallError(f"store:{method}: value cannot be stored: {exc}",
                            kind=INVALID) from None

    def s_get(h: StoreHandle, key: Any = None, *_: Any) -> Any:
        s, k = keyed(h, "get", key)
        if s is None:
            return k
        check_key(h, "get", "store.key.get", k, True)
        item = s.get(k)
        if item is None:
            return fail(f"store:get: key {k!r} not found in {h.id}", NOT_FOUND)
        return to_lua(lua, item.value), None

    def s_entry(h: StoreHandle, key: Any = None, *_: Any) -> Any:
        s, k = keyed(h, "entry", key)
        if s is None:
            return k
        denial = check_key(h, "entry", "store.key.get", k, False)
        if denial is not None:
            return denial
        item = s.get(k)
        if item is None:
            return fail(f"store:entry: key {k!r} not found in {h.id}", NOT_FOUND)
        return to_lua(lua, {"key": k, "value": item.value, "version": str(item.version)}), None

    def ttl_arg(method: str, index: int, ttl: Any) -> float:
        if ttl is None:
            return 0.0
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or ttl < 0:
            raise bad_argument(f"store:{method}", index, "ttl", "non-negative number", ttl)
        return float(ttl)

    def s_set(h: StoreHandle, key: Any = None, value: Any = None, ttl: Any = None,
              *_: Any) -> Any:
        s, k = keyed(h, "set", key)
        if s is None:
            return k
        check_key(h, "set", "store.key.set", k, True)
        if value is None:
            return fail("store:set: value is required (nil cannot be stored)", INVALID)
        s.set(k, plain_value("set", value), ttl_arg("set", 3, ttl))
        return True, None

    def s_put(h: StoreHandle, key: Any = None, value: Any = None, opts: Any = None,
              *_: Any) -> Any:
        s, k = keyed(h, "put", key)
        if s is None:
            return k
        denial = check_key(h, "put", "store.key.set", k, False)
        if denial is not None:
            return denial
        if value is None:
            return fail("store:put: value is required (nil cannot be stored)", INVALID)
        o = to_plain(opts) if opts is not None else {}
        if o == []:
            o = {}
        if not isinstance(o, dict):
            raise bad_argument("store:put", 3, "opts", "table", opts)
        ttl = ttl_arg("put", 3, o.get("ttl"))
        if_version = o.get("if_version")
        if if_version is not None:
            try:
                if_version = int(if_version)
            except (TypeError, ValueError):
                return fail("store:put: if_version must be a version string from an entry",
                            INVALID)
        item = s.set(k, plain_value("put", value), ttl,
                     only_if_absent=bool(o.get("only_if_absent")), if_version=if_version)
        if item is None:
            return fail(f"store:put: condition failed for key {k!r}", CONFLICT)
        return to_lua(lua, {"key": k, "value": item.value, "version": str(item.version)}), None

    def s_has(h: StoreHandle, key: Any = None, *_: Any) -> Any:
        s = active(h, "has")
        if isinstance(s, tuple):
            return False, s[1]
        k = key_of("has", key)
        if not k:
            return fail("store:has: key is required", INVALID, False)
        check_key(h, "has", "store.key.has", k, True)
        return s.has(k), None

    def s_delete(h: StoreHandle, key: Any = None, *_: Any) -> Any:
        s, k = keyed(h, "delete", key)
        if s is None:
            return k
        check_key(h, "delete", "store.key.delete", k, True)
        return s.delete(k), None

    def s_list(h: StoreHandle, opts: Any = None, *_: Any) -> Any:
        s = active(h, "list")
        if isinstance(s, tuple):
            return s
        o = to_plain(opts) if opts is not None else {}
        if o == []:
            o = {}
        if not isinstance(o, dict):
            raise bad_argument("store:list", 1, "opts", "table", opts)
        prefix, after, limit = o.get("prefix", ""), o.get("after", ""), o.get("limit", 0)
        if not isinstance(prefix, str) or not isinstance(after, str):
            return fail("store:list: prefix and after must be strings", INVALID)
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            return fail("store:list: limit must be a non-negative integer", INVALID)
        why = denied("store.key.list", h.id, {"prefix": prefix})
        if why is not None:
            return fail(f"store:list: {why}", PERMISSION_DENIED)
        items = s.items(prefix, after)
        more = bool(limit) and len(items) > limit
        if limit:
            items = items[:limit]
        page = {"items": [{"key": k, "value": v.value, "version": str(v.version)}
                          for k, v in items],
                "cursor": items[-1][0] if more and items else "", "has_more": more}
        return to_lua(lua, page), None

    def s_info(h: StoreHandle, *_: Any) -> Any:
        s = active(h, "info")
        if isinstance(s, tuple):
            return s
        why = denied("store.info", h.id)
        if why is not None:
            return fail(f"store:info: {why}", PERMISSION_DENIED)
        return to_lua(lua, {"id": h.id, "backend": s.backend, "consistency": "local",
                            "durable": False, "list": True, "versioned": True,
                            "conditional_put": True, "ttl": True}), None

    def s_release(h: StoreHandle, *_: Any) -> bool:
        h.released = True
        h.store = None
        return True

    cls = lua_class(state, "store.Store", {
        "get": s_get, "entry": s_entry, "set": s_set, "put": s_put, "has": s_has,
        "delete": s_delete, "list": s_list, "info": s_info, "release": s_release,
    }, lambda h: "store.Store{released}" if h is None or h.released else "store.Store{}")

    def get(store_id: Any = None, *_: Any) -> Any:
        sid = text_arg("store.get", 1, "id", store_id)
        if not sid:
            return fail("store.get: resource id is required", INVALID)
        if not security.allowed("store.get", sid):
            raise CallError(f"store.get: not allowed to access store: {sid}",
                            kind=PERMISSION_DENIED)
        res = built(runtime, sid)
        if res is None:
            return fail(f"store.get: store {sid} not found", INTERNAL)
        backing = getattr(res, "store", None)
        if not isinstance(backing, MemoryStore):
            return fail(f"store.get: {sid} is a {res.entry.kind}, not a store", INVALID)
        return cls.new(StoreHandle(sid, backing)), None

    module = lua.table()
    module[b"get"] = get
    module[b"backend"] = to_lua(lua, BACKENDS)
    module[b"consistency"] = to_lua(lua, CONSISTENCY)
    state.bind("store", module)

