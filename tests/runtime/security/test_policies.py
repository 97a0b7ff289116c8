"""Policy semantics: matching, conditions, deny-wins, no-match, strict mode, entry validation."""

from __future__ import annotations

import pytest
from sec_helpers import policy
from wippy_runtime.errors import PERMISSION_DENIED, CallError
from wippy_runtime.security import (
    ALLOW,
    DENY,
    UNDEFINED,
    Actor,
    ExecutionContext,
    Policy,
    Scope,
    Security,
    parse_policy,
)

ALICE = Actor("alice", {"role": "admin", "team": "red", "tags": ["a", "b"], "level": 3})
BOB = Actor("bob", {"role": "user", "team": "blue"})


def make(effect="allow", actions="*", resources="*", conditions=None, pid="app:p") -> Policy:
    data = {"actions": actions, "resources": resources, "effect": effect}
    if conditions is not None:
        data["conditions"] = conditions
    return parse_policy(pid, data)


def cond(field, operator, value=None, **kw):
    c = {"field": field, "operator": operator, **kw}
    if value is not None:
        c["value"] = value
    return [c]


# -- matching ---------------------------------------------------------------------------
def test_allow_policy_allows_matching_action_and_resource():
    p = make(actions="funcs.call", resources="app:add")
    assert p.decide(ALICE, "funcs.call", "app:add") == ALLOW


def test_policy_does_not_apply_to_other_action_or_resource():
    p = make(actions="funcs.call", resources="app:add")
    assert p.decide(ALICE, "funcs.async", "app:add") == UNDEFINED
    assert p.decide(ALICE, "funcs.call", "app:sub") == UNDEFINED


def test_wildcard_suffix_matches_prefix_only():
    p = make(actions=["funcs.*"], resources=["app:*", "other:exact"])
    assert p.decide(None, "funcs.call", "app:anything") == ALLOW
    assert p.decide(None, "funcs.call", "other:exact") == ALLOW
    assert p.decide(None, "funcs.call", "other:exactly") == UNDEFINED
    assert p.decide(None, "fs.get", "app:x") == UNDEFINED
    assert p.decide(None, "funcs.call", "xapp:x") == UNDEFINED


def test_wildcard_is_not_a_regex():
    p = make(resources="app:a.c")
    assert p.decide(None, "x", "app:a.c") == ALLOW
    assert p.decide(None, "x", "app:abc") == UNDEFINED


def test_deny_policy_returns_deny():
    assert make(effect="deny").decide(ALICE, "a", "r") == DENY


# -- scopes -----------------------------------------------------------------------------
def test_deny_overrides_allow_in_either_order():
    allow, deny = make(pid="app:allow"), make(effect="deny", resources="app:secret",
                                                 pid="app:deny")
    for scope in (Scope([allow, deny]), Scope([deny, allow])):
        assert scope.evaluate(ALICE, "funcs.call", "app:secret") == DENY
        assert scope.evaluate(ALICE, "funcs.call", "app:public") == ALLOW


def test_no_matching_policy_is_undefined():
    scope = Scope([make(resources="app:one")])
    assert scope.evaluate(ALICE, "funcs.call", "app:two") == UNDEFINED
    assert Scope().evaluate(ALICE, "funcs.call", "app:two") == UNDEFINED


def test_scope_is_immutable_and_deduplicated():
    a, b = make(pid="app:a"), make(pid="app:b")
    s1 = Scope([a])
    s2 = s1.with_policy(b)
    assert [p.id for p in s1.policies] == ["app:a"]
    assert [p.id for p in s2.policies] == ["app:a", "app:b"]
    assert s2.with_policy(b) is s2
    assert [p.id for p in s2.without("app:a").policies] == ["app:b"]
    assert s2.contains(a) and s2.contains("app:b") and not s1.contains("app:b")


# -- checks: undefined denies, strict mode ------------------------------------------------
def test_check_denies_when_no_policy_matches():
    sec = Security()
    ctx = ExecutionContext(ALICE, Scope([make(resources="app:one")]))
    assert sec.allowed("funcs.call", "app:one", ctx=ctx)
    assert not sec.allowed("funcs.call", "app:two", ctx=ctx)
    with pytest.raises(CallError) as info:
        sec.check("funcs.call", "app:two", ctx=ctx)
    assert info.value.kind == PERMISSION_DENIED
    assert info.value.entry == "app:two"
    assert "alice" in str(info.value) and "funcs.call" in str(info.value)


@pytest.mark.parametrize("ctx", [None, ExecutionContext(), ExecutionContext(ALICE),
                                 ExecutionContext(None, Scope())])
def test_missing_actor_or_scope_allowed_by_default_denied_in_strict_mode(ctx):
    assert Security().allowed("funcs.call", "app:x", ctx=ctx)
    strict = Security(strict_mode=True)
    assert not strict.allowed("funcs.call", "app:x", ctx=ctx)
    with pytest.raises(CallError, match="strict mode"):
        strict.check("funcs.call", "app:x", ctx=ctx)


def test_strict_mode_still_allows_what_the_scope_allows():
    ctx = ExecutionContext(ALICE, Scope([make()]))
    assert Security(strict_mode=True).allowed("funcs.call", "app:x", ctx=ctx)


def test_cached_decision_is_per_context():
    scope = Scope([make(conditions=cond("actor.id", "eq", "alice"))])
    a, b = ExecutionContext(ALICE, scope), ExecutionContext(BOB, scope)
    sec = Security()
    for _ in range(2):
        assert sec.allowed("x", "r", ctx=a)
        assert not sec.allowed("x", "r", ctx=b)


# -- condition operators ----------------------------------------------------------------
@pytest.mark.parametrize("conditions, yes, no", [
    (cond("actor.id", "eq", "alice"), ALICE, BOB),
    (cond("actor.meta.role", "eq", "admin"), ALICE, BOB),
    (cond("actor.meta.role", "ne", "user"), ALICE, BOB),
    (cond("actor.meta.team", "in", ["red", "green"]), ALICE, BOB),
    (cond("actor.meta.team", "not_in", ["blue"]), ALICE, BOB),
    (cond("actor.meta.level", "exists"), ALICE, BOB),
    (cond("actor.meta.level", "not_exists"), BOB, ALICE),
    (cond("actor.meta.tags", "contains", "b"), ALICE, BOB),
    (cond("actor.meta.level", "gte", 3), ALICE, BOB),
    (cond("actor.meta.level", "lt", 4), ALICE, BOB),
], ids=["id-eq", "meta-eq", "ne", "in", "not_in", "exists", "not_exists", "contains", "gte",
        "lt"])
def test_condition_operator(conditions, yes, no):
    p = make(conditions=conditions)
    assert p.decide(yes, "a", "r") == ALLOW
    assert p.decide(no, "a", "r") == UNDEFINED


def test_condition_on_request_meta():
    p = make(conditions=cond("meta.owner", "eq", "alice"))
    assert p.decide(BOB, "a", "r", {"owner": "alice"}) == ALLOW
    assert p.decide(BOB, "a", "r", {"owner": "bob"}) == UNDEFINED
    assert p.decide(BOB, "a", "r") == UNDEFINED


def test_condition_value_from_compares_two_fields():
    p = make(conditions=[{"field": "meta.owner", "operator": "eq", "value_from": "actor.id"}])
    assert p.decide(ALICE, "a", "r", {"owner": "alice"}) == ALLOW
    assert p.decide(BOB, "a", "r", {"owner": "alice"}) == UNDEFINED
    # a missing value_from never equals anything (not even another missing field)
    p2 = make(conditions=[{"field": "meta.x", "operator": "eq", "value_from": "meta.y"}])
    assert p2.decide(ALICE, "a", "r", {}) == UNDEFINED


def test_all_conditions_must_hold():
    p = make(conditions=cond("actor.meta.role", "eq", "admin")
             + cond("actor.meta.team", "eq", "blue"))
    assert p.decide(ALICE, "a", "r") == UNDEFINED
    assert p.decide(Actor("c", {"role": "admin", "team": "blue"}), "a", "r") == ALLOW


def test_conditions_without_actor_do_not_match():
    p = make(conditions=cond("actor.id", "eq", "alice"))
    assert p.decide(None, "a", "r") == UNDEFINED


def test_bool_and_int_are_not_equal():
    p = make(conditions=cond("actor.meta.flag", "eq", 1))
    assert p.decide(Actor("x", {"flag": True}), "a", "r") == UNDEFINED
    assert p.decide(Actor("x", {"flag": 1}), "a", "r") == ALLOW


# -- entries ----------------------------------------------------------------------------
def test_policy_entry_loads_and_is_found_by_id(rt):
    pid = policy(rt, "admins", conditions=cond("actor.meta.role", "eq", "admin"),
                 groups=["staff"])
    p = rt.security.policy(pid)
    assert p.id == "app:admins" and p.groups == ("app:staff",)
    info = {i.id: i for i in rt.describe()}["app:admins"]
    assert info.kind == "security.policy" and info.detail["effect"] == "allow"


def test_named_scope_collects_the_group(rt):
    policy(rt, "one", groups=["staff"])
    policy(rt, "two", effect="deny", resources="app:secret", groups=["staff", "other:x"])
    policy(rt, "three")
    scope = rt.security.named_scope("app:staff")
    assert [p.id for p in scope.policies] == ["app:one", "app:two"]
    assert [p.id for p in rt.security.named_scope("other:x").policies] == ["app:two"]
    with pytest.raises(CallError, match="policy group app:none not found"):
        rt.security.named_scope("app:none")


@pytest.mark.parametrize("body, message", [
    ({"actions": "*", "resources": "*", "effect": "maybe"}, "effect must be allow or deny"),
    ({"actions": "*", "effect": "allow"}, "policy.resources is required"),
    ({"actions": [], "resources": "*", "effect": "allow"}, "policy.actions must be"),
    ({"actions": "*", "resources": "*", "effect": "allow",
      "conditions": [{"field": "actor.meta.x", "operator": "like", "value": 1}]},
     "unknown condition operator 'like'"),
    ({"actions": "*", "resources": "*", "effect": "allow",
      "conditions": [{"field": "user.name", "operator": "eq", "value": 1}]},
     "condition field must be"),
    ({"actions": "*", "resources": "*", "effect": "allow",
      "conditions": [{"field": "actor.id", "operator": "eq"}]}, "needs value or value_from"),
])
def test_bad_policy_entry_fails_naming_entry(rt, body, message):
    report = rt.load_text(f"namespace: app\nentries:\n  - name: bad\n    kind: security.policy\n"
                          f"    policy: {body!r}\n".replace("'", '"'))
    (err,) = report.errors
    assert message in str(err)
    assert err.entry == "app:bad"


# -- Wippy's full operator set ----------------------------------------------------------
CAROL = Actor("carol", {"role": "admin", "email": "carol@corp.example", "level": "7",
                        "tags": ["ops", "db"], "active": True})
DAVE = Actor("dave", {"role": "guest", "email": "dave@gmail.example", "level": 2,
                      "tags": ["web"], "active": False})


@pytest.mark.parametrize("conditions, yes, no", [
    (cond("actor.meta.role", "nin", ["guest", "banned"]), CAROL, DAVE),
    (cond("actor.meta.level", "nexists"), BOB, CAROL),
    (cond("actor.meta.level", "exists", False), BOB, CAROL),
    (cond("actor.meta.level", "nexists", False), CAROL, BOB),
    (cond("actor.meta.tags", "ncontains", "web"), CAROL, DAVE),
    (cond("actor.meta.email", "contains", "@corp."), CAROL, DAVE),
    (cond("actor.meta.email", "matches", r"@corp\.example$"), CAROL, DAVE),
    (cond("actor.meta.email", "nmatches", r"@gmail\."), CAROL, DAVE),
    (cond("actor.meta.level", "gt", 5), CAROL, DAVE),      # "7" reads as a number
    (cond("actor.meta.level", "lte", 2), DAVE, CAROL),
    (cond("actor.meta.level", "eq", 7), CAROL, DAVE),      # "7" == 7, as in Wippy
    (cond("actor.meta.active", "eq", "true"), CAROL, DAVE),
    (cond("actor.id", "in", "carol"), CAROL, DAVE),         # `in` a string is equality
], ids=["nin", "nexists", "exists-false", "nexists-false", "ncontains", "contains-substring",
        "matches", "nmatches", "gt-numeric-string", "lte", "eq-number-string", "eq-bool-text",
        "in-string"])
def test_wippy_condition_operator(conditions, yes, no):
    p = make(conditions=conditions)
    assert p.decide(yes, "a", "r") == ALLOW
    assert p.decide(no, "a", "r") == UNDEFINED


@pytest.mark.parametrize("operator, value", [
    ("ne", "x"), ("nin", ["x"]), ("ncontains", "x"), ("nmatches", "x"), ("lt", 10)])
def test_negations_do_not_match_a_missing_field(operator, value):
    """Wippy's evaluator is false for every operator but exists/nexists on an absent field."""
    p = make(conditions=cond("actor.meta.absent", operator, value))
    assert p.decide(CAROL, "a", "r") == UNDEFINED


def test_ordering_needs_numbers():
    p = make(conditions=cond("actor.meta.role", "gt", 1))
    assert p.decide(CAROL, "a", "r") == UNDEFINED


@pytest.mark.parametrize("condition, message", [
    ({"field": "actor.id", "operator": "matches", "value": "("}, "invalid regular expression"),
    ({"field": "actor.id", "operator": "nmatches", "value": 3}, "needs a regular expression"),
    ({"field": "actor.id", "operator": "between", "value": 3}, "unknown condition operator"),
])
def test_bad_operator_use_is_a_load_error_naming_the_entry(rt, condition, message):
    import json
    body = {"actions": "*", "resources": "*", "effect": "allow", "conditions": [condition]}
    report = rt.load_text("namespace: app\nentries:\n  - name: bad\n    kind: security.policy\n"
                          f"    policy: {json.dumps(body)}\n")
    (err,) = report.errors
    assert message in str(err) and err.entry == "app:bad"
    assert "policy.conditions[0]" in str(err)


def test_every_wippy_operator_loads_from_yaml(rt):
    ops = ["exists", "nexists", "eq", "ne", "lt", "gt", "lte", "gte", "in", "nin", "contains",
           "ncontains", "matches", "nmatches"]
    values = {"in": "[1]", "nin": "[1]", "exists": "true", "nexists": "true",
              "matches": "'^1'", "nmatches": "'^1'"}
    conds = "".join(f"\n          - {{field: actor.meta.x, operator: {op}, value: "
                    f"{values.get(op, '1')}}}" for op in ops)
    report = rt.load_text("namespace: app\nentries:\n  - name: all\n    kind: security.policy\n"
                          "    policy:\n      actions: '*'\n      resources: '*'\n"
                          f"      effect: allow\n      conditions:{conds}\n")
    assert report.errors == []
    assert [c.operator for c in rt.security.policy("app:all").conditions] == ops
