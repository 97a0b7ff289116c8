"""`Runtime.security`: settings, the one permission check everyone calls, policy lookup.

Callers that enforce a permission (`funcs.call` here; `fs.get` for WASI mounts, `process.spawn*`
and `process.send` in the scheduler) all go through `Security.allowed`/`Security.check`, so the
rules (deny wins, no match denies, strict mode) live in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from ..errors import NOT_FOUND, PERMISSION_DENIED, CallError
from .actor import Actor
from .context import ExecutionContext, current
from .policy import Policy
from .scope import Scope


class BuiltEntries(Protocol):
    """Where policies are looked up: the live registry's built objects by id."""

    @property
    def built(self) -> Mapping[str, Any]: ...


DEFAULT_LUA_MAX_MEMORY = 64 * 1024 * 1024

_UNSET: Any = object()


class Security:
    """Security settings and checks of one Runtime.

    `strict_mode`: False (Wippy's default) allows an execution that has no actor or no scope;
    True denies it. `lua_max_memory`: bytes each Lua state may allocate (None = unlimited),
    applied to states created after the change.
    """

    def __init__(self, registry: BuiltEntries | None = None, *, strict_mode: bool = False,
                 lua_max_memory: int | None = DEFAULT_LUA_MAX_MEMORY) -> None:
        self._registry = registry
        self.strict_mode = strict_mode
        self.lua_max_memory = lua_max_memory

    # -- the check ------------------------------------------------------------------------
    def allowed(self, action: str, resource: str, meta: Mapping[str, Any] | None = None,
                ctx: ExecutionContext | None = _UNSET) -> bool:
        """May the current execution (or `ctx`) do `action` on `resource`?"""
        if ctx is _UNSET:
            ctx = current()
        if ctx is None or ctx.actor is None or ctx.scope is None:
            return not self.strict_mode
        return ctx.evaluate(action, resource, meta)

    def check(self, action: str, resource: str, meta: Mapping[str, Any] | None = None, *,
              entry: str | None = None, ctx: ExecutionContext | None = _UNSET) -> None:
        """Raise CallError(PERMISSION_DENIED) naming the actor, action and resource unless
        allowed. `entry` is the entry the error is reported against (default: `resource`)."""
        if ctx is _UNSET:
            ctx = current()
        if not self.allowed(action, resource, meta, ctx):
            raise CallError(self.denial(action, resource, ctx), entry=entry or resource,
                            kind=PERMISSION_DENIED)

    def denial(self, action: str, resource: str, ctx: ExecutionContext | None) -> str:
        """The text of a denial: what was asked, by whom, and why it failed."""
        actor = ctx.actor if ctx is not None else None
        if actor is None or ctx is None or ctx.scope is None:
            missing = "actor" if actor is None else "scope"
            return f"permission denied: {action} on {resource} (no {missing}, strict mode)"
        return f"permission denied: {action} on {resource} for actor {actor.id!r}"

    def call_denied(self, ctx: ExecutionContext | None, entry_id: str) -> str | None:
        """funcs.call's check, kept out of line: None when allowed, else the message."""
        if ctx is None or ctx.actor is None or ctx.scope is None:
            if not self.strict_mode:
                return None
        elif ctx.evaluate("funcs.call", entry_id):
            return None
        return self.denial("funcs.call", entry_id, ctx)

    # -- building contexts from Python ----------------------------------------------------
    def context_for(self, actor: Actor | str | None = None,
                    scope: Scope | Iterable[Policy | str] | None = None,
                    values: Mapping[str, Any] | None = None) -> ExecutionContext:
        """The current context with the given parts replaced (`Runtime.call(..., actor=)`).

        A string actor is an actor id without meta; a scope may be given as policy ids."""
        if isinstance(actor, str):
            actor = Actor(actor)
        elif actor is not None and not isinstance(actor, Actor):
            raise TypeError(f"actor must be an Actor or an id string, got {type(actor).__name__}")
        if scope is not None and not isinstance(scope, Scope):
            scope = Scope(p if isinstance(p, Policy) else self.policy(p) for p in scope)
        if values is not None and not isinstance(values, Mapping):
            raise TypeError("context must be a mapping of string keys to values")
        base = current() or ExecutionContext()
        return base.derive(actor=actor, scope=scope, values=values)

    # -- policies in the registry ---------------------------------------------------------
    def _policies(self) -> Iterable[Policy]:
        if self._registry is None:
            return ()
        return [b.policy for b in list(self._registry.built.values())
                if isinstance(getattr(b, "policy", None), Policy)]

    def policy(self, policy_id: str) -> Policy:
        """The Policy of a loaded `security.policy` entry; CallError NOT_FOUND otherwise."""
        built = self._registry.built.get(policy_id) if self._registry is not None else None
        policy = getattr(built, "policy", None)
        if not isinstance(policy, Policy):
            what = f"is a {built.entry.kind}" if built is not None else "not found"
            raise CallError(f"security.policy {policy_id} {what}", entry=policy_id,
                            kind=NOT_FOUND)
        return policy

    def named_scope(self, group_id: str) -> Scope:
        """A scope of every policy in group `group_id` (`groups:` of the policy entries, bare
        names resolved in the policy's namespace); CallError NOT_FOUND if the group is empty."""
        members = sorted((p for p in self._policies() if group_id in p.groups),
                         key=lambda p: p.id)
        if not members:
            raise CallError(f"policy group {group_id} not found (no security.policy entry "
                            "lists it in groups:)", entry=group_id, kind=NOT_FOUND)
        return Scope(members)
