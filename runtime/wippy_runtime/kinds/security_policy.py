"""`security.policy`: a policy entry, looked up by scopes, `security.policy(id)` and groups.

The entry builds to a resource holding a compiled `Policy`. Replacing the entry builds a new
Policy; scopes that already hold the old one keep it (scopes are immutable snapshots, as
Wippy's are), while `security.policy(id)` and `security.named_scope(group)` see the new one.
"""

from __future__ import annotations

from ..errors import ValidationError
from ..registry import Entry
from ..registry.ids import InvalidIdError
from ..security.policy import Policy, PolicyError, parse_policy
from .base import BuildContext, EntryInfo, Resource, warn_unknown_fields

_KNOWN = {"policy", "groups"}


class PolicyEntry(Resource):
    kind = "security.policy"

    def __init__(self, entry: Entry, policy: Policy) -> None:
        super().__init__(entry)
        self.policy = policy

    def info(self) -> EntryInfo:
        p = self.policy
        return EntryInfo(self.entry.id, self.entry.kind,
                         detail={"effect": p.effect, "actions": p.actions,
                                 "resources": p.resources, "conditions": len(p.conditions),
                                 "groups": list(p.groups)})


def build_security_policy(entry: Entry, ctx: BuildContext) -> PolicyEntry:
    warn_unknown_fields(entry, _KNOWN, ctx.runtime)

    def resolve_group(name: str) -> str:
        try:
            return entry.ref(name)
        except InvalidIdError as exc:
            raise PolicyError(f"groups: {exc.message}", "groups") from None

    try:
        policy = parse_policy(entry.id, entry.data.get("policy"), entry.data.get("groups"),
                              resolve_group)
    except PolicyError as exc:
        raise entry.error(ValidationError, str(exc), exc.field) from None
    return PolicyEntry(entry, policy)
