"""`security.policy` entries: actions x resources -> allow|deny, under conditions.

A policy answers "allow", "deny" or "undefined" (it does not apply) for one request
(actor, action, resource, meta). Actions and resources are a string or a list of strings where
`*` matches any run of characters (`*`, `funcs.call`, `app:*`). Patterns and conditions are
compiled once when the entry loads, so evaluating a policy is a few comparisons.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from .actor import Actor

ALLOW = "allow"
DENY = "deny"
UNDEFINED = "undefined"

_MISSING = object()


class PolicyError(ValueError):
    """A policy definition is malformed; `field` names the offending field."""

    def __init__(self, message: str, field: str = "policy") -> None:
        super().__init__(message)
        self.field = field


def compile_patterns(value: Any, what: str) -> Callable[[str], bool]:
    """`"*"`, `"a"`, `"app:*"` or a list of them -> a predicate on a string."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        raise PolicyError(f"policy.{what} must be a string or a non-empty list of strings",
                          "policy")
    if "*" in items:
        return lambda _s: True
    exact = frozenset(i for i in items if "*" not in i)
    globs = [i for i in items if "*" in i]
    if not globs:
        return exact.__contains__
    rx = re.compile("|".join("(?:" + ".*".join(map(re.escape, g.split("*"))) + ")"
                             for g in globs) + r"\Z", re.S)
    match = rx.match
    return lambda s: s in exact or match(s) is not None


def resolve_field(path: str, actor: Actor | None, action: str, resource: str,
                  meta: Mapping[str, Any] | None) -> Any:
    """The value a condition field names, or `_MISSING`."""
    head, _, rest = path.partition(".")
    if head == "actor":
        if actor is None:
            return _MISSING
        if rest == "id":
            return actor.id
        if not rest.startswith("meta"):
            return _MISSING
        value: Any = actor.meta
        rest = rest[4:].lstrip(".")
    elif head == "meta":
        value = meta if meta is not None else {}
    elif head == "action" and not rest:
        return action
    elif head == "resource" and not rest:
        return resource
    else:
        return _MISSING
    for part in rest.split(".") if rest else ():
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and 0 < int(part) <= len(value):
            value = value[int(part) - 1]
        else:
            return _MISSING
    return value


def _eq(a: Any, b: Any) -> bool:
    if a is _MISSING or b is _MISSING:
        return False
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b)


def _in(a: Any, b: Any) -> bool:
    return isinstance(b, (list, tuple)) and any(_eq(a, x) for x in b)


def _contains(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return b in a
    if isinstance(a, (list, tuple)):
        return any(_eq(x, b) for x in a)
    if isinstance(a, Mapping):
        return b in a
    return False


def _ordered(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        if isinstance(a, bool) or isinstance(b, bool):
            return False
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return op(a, b)
        if isinstance(a, str) and isinstance(b, str):
            return op(a, b)
        return False

    return compare


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": _eq,
    "ne": lambda a, b: not _eq(a, b),
    "in": _in,
    "not_in": lambda a, b: not _in(a, b),
    "exists": lambda a, _b: a is not _MISSING and a is not None,
    "not_exists": lambda a, _b: a is _MISSING or a is None,
    "contains": lambda a, b: a is not _MISSING and b is not _MISSING and _contains(a, b),
    "gt": _ordered(lambda a, b: a > b),
    "gte": _ordered(lambda a, b: a >= b),
    "lt": _ordered(lambda a, b: a < b),
    "lte": _ordered(lambda a, b: a <= b),
}
_UNARY = {"exists", "not_exists"}
_FIELD_HEADS = ("actor.id", "actor.meta", "meta", "action", "resource")


def _check_path(path: Any, what: str) -> str:
    if not isinstance(path, str) or not any(path == h or path.startswith(h + ".")
                                            for h in _FIELD_HEADS):
        raise PolicyError(f"{what} must be actor.id, actor.meta.<key>, meta.<key>, action or "
                          f"resource, got {path!r}", "policy")
    return path


class Condition:
    """`{field, operator, value | value_from}`: one test every request must pass."""

    __slots__ = ("field", "operator", "value", "value_from", "_op")

    def __init__(self, field: str, operator: str, value: Any = None,
                 value_from: str | None = None) -> None:
        self.field = _check_path(field, "condition field")
        if operator not in OPERATORS:
            raise PolicyError(f"unknown condition operator {operator!r} (known: "
                              f"{', '.join(OPERATORS)})", "policy")
        self.operator = operator
        self.value = value
        self.value_from = None if value_from is None else _check_path(value_from,
                                                                      "condition value_from")
        self._op = OPERATORS[operator]

    @classmethod
    def from_data(cls, data: Any, index: int) -> Condition:
        where = f"policy.conditions[{index}]"
        if not isinstance(data, Mapping):
            raise PolicyError(f"{where} must be a mapping {{field, operator, value}}", "policy")
        unknown = sorted(set(data) - {"field", "operator", "value", "value_from"})
        if unknown:
            raise PolicyError(f"{where}: unknown key(s) {', '.join(unknown)}", "policy")
        op: Any = data.get("operator")  # checked by the constructor
        if op not in _UNARY and "value" not in data and "value_from" not in data:
            raise PolicyError(f"{where}: operator {op!r} needs value or value_from", "policy")
        if "value" in data and "value_from" in data:
            raise PolicyError(f"{where}: give value or value_from, not both", "policy")
        try:
            field: Any = data.get("field")  # untrusted YAML: the constructor checks it
            return cls(field, op, data.get("value"), data.get("value_from"))
        except PolicyError as exc:
            raise PolicyError(f"{where}: {exc}", "policy") from None

    def test(self, actor: Actor | None, action: str, resource: str,
             meta: Mapping[str, Any] | None) -> bool:
        actual = resolve_field(self.field, actor, action, resource, meta)
        expected = (self.value if self.value_from is None else
                    resolve_field(self.value_from, actor, action, resource, meta))
        return self._op(actual, expected)

    def __repr__(self) -> str:
        rhs = f"value_from={self.value_from}" if self.value_from else f"value={self.value!r}"
        return f"Condition({self.field} {self.operator} {rhs})"


class Policy:
    """One compiled policy. Immutable; scopes hold policies by reference."""

    __slots__ = ("_id", "effect", "actions", "resources", "conditions", "groups",
                 "_action", "_resource")

    def __init__(self, policy_id: str, *, actions: Any, resources: Any, effect: str,
                 conditions: list[Condition] | tuple[Condition, ...] = (),
                 groups: tuple[str, ...] = ()) -> None:
        if effect not in (ALLOW, DENY):
            raise PolicyError(f"policy.effect must be allow or deny, got {effect!r}", "policy")
        self._id = policy_id
        self.effect = effect
        self.actions = actions
        self.resources = resources
        self._action = compile_patterns(actions, "actions")
        self._resource = compile_patterns(resources, "resources")
        self.conditions = tuple(conditions)
        self.groups = tuple(groups)

    @property
    def id(self) -> str:
        return self._id

    def decide(self, actor: Actor | None, action: str, resource: str,
               meta: Mapping[str, Any] | None = None) -> str:
        """"allow"/"deny" when the policy applies to this request, else "undefined"."""
        if not self._action(action) or not self._resource(resource):
            return UNDEFINED
        for cond in self.conditions:
            if not cond.test(actor, action, resource, meta):
                return UNDEFINED
        return self.effect

    def __repr__(self) -> str:
        return f"Policy({self._id!r}, {self.effect})"


def parse_policy(policy_id: str, data: Any, groups: Any = None,
                 resolve_group: Callable[[str], str] = lambda g: g) -> Policy:
    """The `policy:` mapping (and `groups:` list) of an entry -> Policy; PolicyError names the
    field that is wrong."""
    if not isinstance(data, Mapping):
        raise PolicyError("policy is required: a mapping {actions, resources, effect, "
                          "conditions}", "policy")
    unknown = sorted(set(data) - {"actions", "resources", "effect", "conditions"})
    if unknown:
        raise PolicyError(f"policy: unknown key(s) {', '.join(unknown)}", "policy")
    for name in ("actions", "resources", "effect"):
        if name not in data:
            raise PolicyError(f"policy.{name} is required", "policy")
    raw_conditions = data.get("conditions") or []
    if not isinstance(raw_conditions, list):
        raise PolicyError("policy.conditions must be a list", "policy")
    conditions = [Condition.from_data(c, i) for i, c in enumerate(raw_conditions)]
    groups = groups or []
    if isinstance(groups, str):
        groups = [groups]
    if not isinstance(groups, list) or not all(isinstance(g, str) and g for g in groups):
        raise PolicyError("groups must be a list of group names", "groups")
    return Policy(policy_id, actions=data["actions"], resources=data["resources"],
                  effect=data["effect"], conditions=conditions,
                  groups=tuple(resolve_group(g) for g in groups))
