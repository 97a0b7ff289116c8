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


def _number(v: Any) -> float | None:
    """A value as a number the way Wippy's evaluator reads one (numeric strings count)."""
    if isinstance(v, bool) or v is None or v is _MISSING:
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def _string(v: Any) -> str | None:
    """A scalar as text (Go's formatting of bools and floats); lists and maps have none."""
    if v is None or v is _MISSING or isinstance(v, (list, tuple, Mapping)):
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _eq(a: Any, b: Any) -> bool:
    """Equal as values, as numbers ("5" == 5) or as text (true == "true"), never bool == 1."""
    if a is _MISSING or b is _MISSING:
        return False
    if type(a) is type(b) and a == b:
        return True
    na, nb = _number(a), _number(b)
    if na is not None and nb is not None:
        return na == nb
    sa, sb = _string(a), _string(b)
    return sa is not None and sb is not None and sa == sb


def _in(a: Any, b: Any) -> bool:
    if isinstance(b, str):
        return _eq(a, b)
    return isinstance(b, (list, tuple)) and any(_eq(a, x) for x in b)


def _contains(a: Any, b: Any) -> bool:
    sa, sb = _string(a), _string(b)
    if sa is not None and sb is not None:
        return sb in sa
    if isinstance(a, (list, tuple)):
        return any(_eq(x, b) for x in a)
    return False


def _ordered(op: Callable[[float, float], bool]) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        na, nb = _number(a), _number(b)
        return na is not None and nb is not None and op(na, nb)

    return compare


def _exists(a: Any, b: Any) -> bool:
    """`exists` (value: true, the default) or `exists` with value: false (must be absent)."""
    wanted = b if isinstance(b, bool) else True
    present = a is not _MISSING and a is not None
    return present == wanted


def _matches(a: Any, b: Any) -> bool:
    text = _string(a)
    return text is not None and isinstance(b, re.Pattern) and b.search(text) is not None


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": _eq,
    "ne": lambda a, b: not _eq(a, b),
    "in": _in,
    "nin": lambda a, b: not _in(a, b),
    "exists": _exists,
    "nexists": lambda a, b: not _exists(a, b),
    "contains": _contains,
    "ncontains": lambda a, b: not _contains(a, b),
    "matches": _matches,
    "nmatches": lambda a, b: not _matches(a, b),
    "gt": _ordered(lambda a, b: a > b),
    "gte": _ordered(lambda a, b: a >= b),
    "lt": _ordered(lambda a, b: a < b),
    "lte": _ordered(lambda a, b: a <= b),
}
#: this project's earlier spellings, still read
OPERATOR_ALIASES = {"not_in": "nin", "not_exists": "nexists"}
_UNARY = {"exists", "nexists"}
#: operators that test a field's presence; every other one is false when the field is missing
#: (so `ne`, `nin`, `ncontains`, `nmatches` do not match an absent field, as in Wippy)
_PRESENCE = _UNARY
_FIELD_HEADS = ("actor.id", "actor.meta", "meta", "action", "resource")


def _check_path(path: Any, what: str) -> str:
    if not isinstance(path, str) or not any(path == h or path.startswith(h + ".")
                                            for h in _FIELD_HEADS):
        raise PolicyError(f"{what} must be actor.id, actor.meta.<key>, meta.<key>, action or "
                          f"resource, got {path!r}", "policy")
    return path


class Condition:
    """`{field, operator, value | value_from}`: one test every request must pass."""

    __slots__ = ("field", "operator", "value", "value_from", "_op", "_pattern")

    def __init__(self, field: str, operator: str, value: Any = None,
                 value_from: str | None = None) -> None:
        self.field = _check_path(field, "condition field")
        operator = OPERATOR_ALIASES.get(operator, operator)
        if operator not in OPERATORS:
            raise PolicyError(f"unknown condition operator {operator!r} (known: "
                              f"{', '.join(OPERATORS)})", "policy")
        self.operator = operator
        self.value = value
        self.value_from = None if value_from is None else _check_path(value_from,
                                                                      "condition value_from")
        self._op = OPERATORS[operator]
        self._pattern: re.Pattern[str] | None = None
        if operator in ("matches", "nmatches"):
            if value_from is not None or not isinstance(value, str):
                raise PolicyError(f"operator {operator!r} needs a regular expression string "
                                  "as value", "policy")
            try:
                self._pattern = re.compile(value)
            except re.error as exc:
                raise PolicyError(f"invalid regular expression {value!r} for {operator}: "
                                  f"{exc}", "policy") from None

    @classmethod
    def from_data(cls, data: Any, index: int) -> Condition:
        where = f"policy.conditions[{index}]"
        if not isinstance(data, Mapping):
            raise PolicyError(f"{where} must be a mapping {{field, operator, value}}", "policy")
        unknown = sorted(set(data) - {"field", "operator", "value", "value_from"})
        if unknown:
            raise PolicyError(f"{where}: unknown key(s) {', '.join(unknown)}", "policy")
        op: Any = data.get("operator")  # checked by the constructor
        op = OPERATOR_ALIASES.get(op, op) if isinstance(op, str) else op
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
        if (actual is _MISSING or actual is None) and self.operator not in _PRESENCE:
            return False
        if self._pattern is not None:
            return self._op(actual, self._pattern)
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
