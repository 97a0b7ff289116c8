"""`security.token_store`: authentication tokens kept in a `store.memory` entry (`store:`),
handed out by the `security` module's `token_store(id)` and checked by the `token_auth` HTTP
middleware. Fields: `token_length` (default 32), `default_expiration` (a duration, default
24h; 0 never expires)."""

from __future__ import annotations

from typing import Any

from ..errors import CallError, ValidationError
from ..registry import Entry
from ..resources.memory_store import parse_duration
from ..resources.token_store import TokenStore
from ..security import Actor, Scope
from .base import BuildContext, EntryInfo, Resource, warn_unknown_fields

_KNOWN = {"store", "token_length", "default_expiration", "token_key", "token_key_env",
          "lifecycle"}


class SecurityTokenStore(Resource):
    kind = "security.token_store"

    def __init__(self, entry: Entry, tokens: TokenStore, store_id: str) -> None:
        super().__init__(entry)
        self.tokens = tokens
        self.store_id = store_id

    def validate(self, token: str) -> tuple[Actor, Scope] | None:
        """The actor and scope of a live token (what `token_auth` asks), else None."""
        return self.tokens.validate(token)

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry.id, self.kind, detail={"store": self.store_id})


def build_security_token_store(entry: Entry, ctx: BuildContext) -> SecurityTokenStore:
    warn_unknown_fields(entry, _KNOWN, ctx.runtime)
    ref = entry.data.get("store")
    if not ref or not isinstance(ref, str):
        raise entry.error(ValidationError, "store is required (a store.memory entry)", "store")
    backing = ctx.resolve(entry, ref, "store.memory")
    length = entry.data.get("token_length", 32)
    if isinstance(length, bool) or not isinstance(length, int) or not 8 <= length <= 512:
        raise entry.error(ValidationError, "token_length must be an integer from 8 to 512",
                          "token_length")
    raw = entry.data.get("default_expiration", "24h")
    expiration = parse_duration(raw)
    if expiration is None or expiration < 0:
        raise entry.error(ValidationError, f"default_expiration {raw!r} is not a duration "
                          "such as \"1h\"", "default_expiration")
    security = ctx.runtime.security

    def policy(policy_id: str) -> Any:
        try:
            return security.policy(policy_id)
        except CallError:
            return None

    tokens = TokenStore(backing.store, length, expiration, policy)
    return SecurityTokenStore(entry, tokens, backing.entry.id)
