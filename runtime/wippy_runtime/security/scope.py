"""The scope: the set of policies an execution is judged by."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .actor import Actor
from .policy import ALLOW, DENY, UNDEFINED, Policy


class Scope:
    """An ordered, duplicate-free, immutable set of policies (`with`/`without` return new
    scopes), so a callee can narrow what it passes on but never widen its caller's scope."""

    __slots__ = ("_policies",)

    def __init__(self, policies: Iterable[Policy] = ()) -> None:
        seen: dict[str, Policy] = {}
        for p in policies:
            if not isinstance(p, Policy):
                raise TypeError(f"a scope holds policies, got {type(p).__name__}")
            seen.setdefault(p.id, p)
        self._policies: tuple[Policy, ...] = tuple(seen.values())

    @property
    def policies(self) -> tuple[Policy, ...]:
        return self._policies

    def with_policy(self, policy: Policy) -> Scope:
        if self.contains(policy.id):
            return self
        return Scope(self._policies + (policy,))

    def without(self, policy: Policy | str) -> Scope:
        pid = policy.id if isinstance(policy, Policy) else policy
        return Scope(p for p in self._policies if p.id != pid)

    def contains(self, policy: Policy | str) -> bool:
        pid = policy.id if isinstance(policy, Policy) else policy
        return any(p.id == pid for p in self._policies)

    def evaluate(self, actor: Actor | None, action: str, resource: str,
                 meta: Mapping[str, Any] | None = None) -> str:
        """Any deny wins; else any allow; else "undefined" (which a check treats as deny)."""
        result = UNDEFINED
        for p in self._policies:
            decision = p.decide(actor, action, resource, meta)
            if decision == DENY:
                return DENY
            if decision == ALLOW:
                result = ALLOW
        return result

    def __len__(self) -> int:
        return len(self._policies)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scope) and other._policies == self._policies

    def __hash__(self) -> int:
        return hash(self._policies)

    def __repr__(self) -> str:
        return f"Scope({[p.id for p in self._policies]})"
