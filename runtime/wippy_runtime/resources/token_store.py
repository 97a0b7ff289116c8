"""Authentication tokens kept in a `store.memory`: what `security.token_store` entries are.

A token names an actor and a scope: `create` stores them (the actor's id and meta, the
scope's policy ids, the token's meta) under a random token with the expiration as the key's
TTL; `validate` gives the actor and scope back while the token lives, the policies looked up
again by id so that a policy removed since no longer grants anything. Tokens are opaque
URL-safe random strings (`secrets`), `token_length` characters long.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from ..security import Actor, Policy, Scope
from .memory_store import MemoryStore

_PREFIX = "wippy.token:"


class TokenStore:
    def __init__(self, store: MemoryStore, token_length: int, default_expiration: float,
                 policy: Callable[[str], Policy | None]) -> None:
        self.store = store
        self.token_length = token_length
        self.default_expiration = default_expiration
        self._policy = policy

    def create(self, actor: Actor, scope: Scope, expiration: float | None = None,
               meta: dict[str, Any] | None = None) -> str:
        token = secrets.token_urlsafe(self.token_length)[: self.token_length]
        record = {"actor": actor.id, "actor_meta": dict(actor.meta),
                  "policies": [p.id for p in scope.policies], "meta": dict(meta or {})}
        ttl = self.default_expiration if expiration is None else expiration
        self.store.set(_PREFIX + token, record, ttl)
        return token

    def validate(self, token: str) -> tuple[Actor, Scope] | None:
        item = self.store.get(_PREFIX + token) if token else None
        if item is None or not isinstance(item.value, dict):
            return None
        record = item.value
        policies = [p for p in (self._policy(pid) for pid in record["policies"])
                    if p is not None]
        return Actor(record["actor"], record["actor_meta"]), Scope(policies)

    def revoke(self, token: str) -> bool:
        return self.store.delete(_PREFIX + token)
