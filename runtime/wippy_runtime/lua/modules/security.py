"""The `security` module: `security.actor()`, `security.can(action, resource)`, policies,
scopes, with Wippy's permission checks on creating actors and scopes.

Actors, scopes and policies are the immutable Python objects of `wippy_runtime.security`; Lua
sees them through per-state faces (`LuaActor`, ...) whose methods are the only thing exposed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import INTERNAL, INVALID, NOT_FOUND, PERMISSION_DENIED, CallError
from ...resources.memory_store import parse_duration
from ...security import Actor, Policy, Scope, current
from ..convert import LUA_FACES, ConversionError, LuaFace, to_lua, to_plain
from ..exposed import lua_methods
from ._common import build
from .errors import LuaErrorValue

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState


def text_arg(value: Any, fn: str, n: int, what: str = "string") -> str:
    """A Lua string argument as str, or the Lua error Wippy's CheckString raises."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    got = "nil" if value is None else type(value).__name__
    raise CallError(f"bad argument #{n} to '{fn}' ({what} expected, got {got})", kind=INVALID)


def meta_arg(value: Any, fn: str, n: int) -> dict[str, Any] | None:
    if value is None:
        return None
    try:
        plain = to_plain(value)
    except ConversionError as exc:
        raise CallError(f"bad argument #{n} to '{fn}' ({exc})", kind=INVALID) from None
    if plain == {} or plain == []:
        return {}
    if not isinstance(plain, dict) or not all(isinstance(k, str) for k in plain):
        raise CallError(f"bad argument #{n} to '{fn}' (table with string keys expected)",
                        kind=INVALID)
    return plain


def actor_arg(value: Any, fn: str, n: int) -> Actor | None:
    if value is None:
        return None
    plain = value.plain if isinstance(value, LuaFace) else value
    if not isinstance(plain, Actor):
        raise CallError(f"bad argument #{n} to '{fn}' (Actor expected)", kind=INVALID)
    return plain


def policy_arg(value: Any, fn: str, n: int) -> Policy:
    plain = value.plain if isinstance(value, LuaFace) else value
    if not isinstance(plain, Policy):
        raise CallError(f"bad argument #{n} to '{fn}' (Policy expected)", kind=INVALID)
    return plain


def policy_or_id(value: Any, fn: str) -> Policy | str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return policy_arg(value, fn, 1)


@lua_methods("id", "meta")
class LuaActor(LuaFace):
    """`actor:id()`, `actor:meta()`."""

    __slots__ = ()

    def id(self, *_: Any) -> bytes:
        return self.plain.id.encode("utf-8", "surrogateescape")

    def meta(self, *_: Any) -> Any:
        return to_lua(self.lua, dict(self.plain.meta))

    def __str__(self) -> str:
        return f"Actor({self.plain.id})"


@lua_methods("id", "evaluate")
class LuaPolicy(LuaFace):
    """`policy:id()`, `policy:evaluate(actor, action, resource [, meta])`."""

    __slots__ = ()

    def id(self, *_: Any) -> bytes:
        return self.plain.id.encode()

    def evaluate(self, actor: Any = None, action: Any = None,
                 resource: Any = None, meta: Any = None, *_: Any) -> bytes:
        fn = "policy:evaluate"
        return self.plain.decide(actor_arg(actor, fn, 1), text_arg(action, fn, 2),
                                 text_arg(resource, fn, 3), meta_arg(meta, fn, 4)).encode()

    def __str__(self) -> str:
        return f"Policy({self.plain.id})"


@lua_methods("with", "without", "contains", "policies", "evaluate")
class LuaScope(LuaFace):
    """`scope:with(p)`, `:without(p_or_id)`, `:contains(p_or_id)`, `:policies()`,
    `:evaluate(actor, action, resource [, meta])`. Every change returns a new scope.

    Extra arguments are ignored, as Lua (and Wippy's Go methods) do: `s:contains(
    security.policy(id))` passes the policy *and* its `nil` error."""

    __slots__ = ()

    def without(self, policy: Any = None, *_: Any) -> LuaScope:
        return LuaScope(self.plain.without(policy_or_id(policy, "scope:without")), self.lua)

    def contains(self, policy: Any = None, *_: Any) -> bool:
        return self.plain.contains(policy_or_id(policy, "scope:contains"))

    def policies(self, *_: Any) -> Any:
        return self.lua.table_from([LuaPolicy(p, self.lua) for p in self.plain.policies])

    def evaluate(self, actor: Any = None, action: Any = None,
                 resource: Any = None, meta: Any = None, *_: Any) -> bytes:
        fn = "scope:evaluate"
        return self.plain.evaluate(actor_arg(actor, fn, 1), text_arg(action, fn, 2),
                                   text_arg(resource, fn, 3), meta_arg(meta, fn, 4)).encode()

    def __str__(self) -> str:
        return f"Scope({', '.join(p.id for p in self.plain.policies)})"


@lua_methods("create", "validate", "revoke", "close")
class LuaTokenStore(LuaFace):
    """`store:create(actor, scope [, {expiration=, meta=}])`, `:validate(token)`,
    `:revoke(token)`, `:close()` over a `security.token_store` entry."""

    __slots__ = ("closed",)

    def __init__(self, plain: Any, lua: Any) -> None:
        super().__init__(plain, lua)
        self.closed = False

    def _closed(self, fn: str) -> LuaErrorValue | None:
        if self.closed:
            return LuaErrorValue(f"{fn}: token store is closed", INTERNAL, retryable=False)
        return None

    def create(self, actor: Any = None, scope: Any = None, options: Any = None,
               *_: Any) -> Any:
        fn = "token_store:create"
        err = self._closed(fn)
        if err is not None:
            return None, err
        who = actor_arg(actor, fn, 1)
        plain_scope = scope.plain if isinstance(scope, LuaFace) else scope
        if who is None or not isinstance(plain_scope, Scope):
            raise CallError(f"bad argument to '{fn}' (Actor and Scope expected)", kind=INVALID)
        opts = to_plain(options) if options is not None else {}
        opts = opts if isinstance(opts, dict) else {}
        expiration: float | None = None
        raw = opts.get("expiration")
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            expiration = raw / 1000.0
        elif isinstance(raw, str):
            expiration = parse_duration(raw)
            if expiration is None:
                return None, LuaErrorValue(f"{fn}: invalid expiration {raw!r}", INVALID,
                                           retryable=False)
        meta = opts.get("meta") if isinstance(opts.get("meta"), dict) else None
        token = self.plain.tokens.create(who, plain_scope, expiration, meta)
        return token.encode(), None

    def validate(self, token: Any = None, *_: Any) -> Any:
        fn = "token_store:validate"
        err = self._closed(fn)
        if err is not None:
            return None, None, err
        found = self.plain.tokens.validate(text_arg(token, fn, 1))
        if found is None:
            return None, None, LuaErrorValue(f"{fn}: invalid or expired token", INTERNAL,
                                             retryable=False)
        return LuaActor(found[0], self.lua), LuaScope(found[1], self.lua), None

    def revoke(self, token: Any = None, *_: Any) -> Any:
        fn = "token_store:revoke"
        err = self._closed(fn)
        if err is not None:
            return None, err
        return self.plain.tokens.revoke(text_arg(token, fn, 1)), None

    def close(self, *_: Any) -> bool:
        self.closed = True
        return True

    def __str__(self) -> str:
        return f"TokenStore({self.plain.entry.id})"


def _scope_with(self: LuaScope, policy: Any = None, *_: Any) -> LuaScope:
    return LuaScope(self.plain.with_policy(policy_arg(policy, "scope:with", 1)), self.lua)


setattr(LuaScope, "with", _scope_with)  # `with` is a Python keyword
LUA_FACES[Actor] = LuaActor
LUA_FACES[Scope] = LuaScope
LUA_FACES[Policy] = LuaPolicy


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua
    sec = runtime.security

    def actor(*_: Any) -> Any:
        ctx = current()
        return None if ctx is None or ctx.actor is None else LuaActor(ctx.actor, lua)

    def scope(*_: Any) -> Any:
        ctx = current()
        return None if ctx is None or ctx.scope is None else LuaScope(ctx.scope, lua)

    def can(action: Any = None, resource: Any = None, meta: Any = None, *_: Any) -> bool:
        # Unlike the runtime's own permission checks, `can` never falls back to the
        # strict-mode default: without both an actor and a scope nothing is allowed.
        fn = "security.can"
        act, res, extra = text_arg(action, fn, 1), text_arg(resource, fn, 2), meta_arg(meta, fn, 3)
        ctx = current()
        if ctx is None or ctx.actor is None or ctx.scope is None:
            return False
        return sec.allowed(act, res, extra, ctx)

    def new_actor(actor_id: Any = None, meta: Any = None, *_: Any) -> LuaActor:
        fn = "security.new_actor"
        aid = text_arg(actor_id, fn, 1)
        if not sec.allowed("security.actor.create", aid):
            raise CallError(f"not allowed to create actor with ID: {aid}",
                            kind=PERMISSION_DENIED)
        return LuaActor(Actor(aid, meta_arg(meta, fn, 2)), lua)

    def new_scope(policies: Any = None, *_: Any) -> LuaScope:
        if not sec.allowed("security.scope.create", "custom"):
            raise CallError("not allowed to create custom scopes", kind=PERMISSION_DENIED)
        items = [] if policies is None else to_plain(policies)
        if isinstance(items, dict) and not items:
            items = []
        if not isinstance(items, list):
            raise CallError("bad argument #1 to 'security.new_scope' (array of Policy "
                            "expected)", kind=INVALID)
        return LuaScope(Scope(policy_arg(p, "security.new_scope", 1) for p in items), lua)

    def policy(policy_id: Any = None, *_: Any) -> Any:
        pid = text_arg(policy_id, "security.policy", 1)
        if not sec.allowed("security.policy.get", pid):
            return None, LuaErrorValue(f"not allowed to access policy: {pid}", INVALID,
                                       entry=pid)
        try:
            return LuaPolicy(sec.policy(pid), lua), None
        except CallError as exc:
            return None, LuaErrorValue(exc.message, INTERNAL, entry=pid)

    def named_scope(group_id: Any = None, *_: Any) -> Any:
        gid = text_arg(group_id, "security.named_scope", 1)
        if not sec.allowed("security.policy_group.get", gid):
            return None, LuaErrorValue(f"not allowed to access policy group: {gid}", INVALID,
                                       entry=gid)
        try:
            return LuaScope(sec.named_scope(gid), lua), None
        except CallError as exc:
            return None, LuaErrorValue(exc.message, NOT_FOUND, entry=gid)

    def token_store(store_id: Any = None, *_: Any) -> Any:
        sid = text_arg(store_id, "security.token_store", 1)
        if not sid:
            return None, LuaErrorValue("token store id is required", INVALID)
        if not sec.allowed("security.token_store.get", sid):
            raise CallError(f"not allowed to access token store: {sid}",
                            kind=PERMISSION_DENIED)
        found = runtime.built.get(sid)
        if found is None or getattr(found, "kind", None) != "security.token_store":
            what = f"{sid} is a {found.entry.kind}" if found is not None else \
                f"token store not found: {sid}"
            return None, LuaErrorValue(what, NOT_FOUND, entry=sid)
        return LuaTokenStore(found, lua), None

    state.bind("security", build(state, {
        "actor": actor, "scope": scope, "can": can, "new_actor": new_actor,
        "new_scope": new_scope, "policy": policy, "named_scope": named_scope,
        "token_store": token_store}))
