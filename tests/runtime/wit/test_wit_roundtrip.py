"""Property tests: random plain values of every WIT type family survive a round trip through
the echo functions of the component (ComponentFunction) and of the core module with the
hand-written canonical ABI (CoreAbiFunction), and both backends agree on transform-users.

Values are generated from our own type model, in the canonical plain shape the runtime
returns (records as dicts, tuples as lists, results as {"ok"/"err": ...}, flags as set
tables, list<u8> as bytes), so equality with the input is the whole oracle.
"""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wippy_runtime.wit import (
    EnumType,
    FlagsType,
    ListType,
    OptionType,
    Primitive,
    RecordType,
    ResultType,
    TupleType,
    VariantType,
    parse_wit,
)
from wippy_runtime.wit.types import INT_RANGES
from wit_helpers import FIXTURES

WIT = parse_wit((FIXTURES / "echo.wit").read_text()).exported_functions()
ECHOES = sorted(name for name, ft in WIT.items()
                if name.startswith("echo-") and len(ft.params) == 1)

LUA_MAX = 2**63 - 1


def values(t, depth=0):
    """A strategy of plain values of WIT type `t`."""
    if isinstance(t, Primitive):
        n = t.name
        if n == "bool":
            return st.booleans()
        if n in INT_RANGES:
            lo, hi = INT_RANGES[n]
            return st.integers(lo, min(hi, LUA_MAX))  # Lua cannot hold u64 above 2^63-1
        if n == "f32":
            return st.floats(width=32, allow_nan=False)
        if n == "f64":
            return st.floats(allow_nan=False)
        if n == "char":
            return st.characters(codec="utf-8")
        if n == "string":
            return st.text(max_size=12)
    if isinstance(t, ListType):
        if t.element == Primitive("u8"):
            return st.binary(max_size=24)
        return st.lists(values(t.element, depth + 1), max_size=4 if depth else 6)
    if isinstance(t, RecordType):
        return st.fixed_dictionaries({f.name: values(f.type, depth + 1) for f in t.fields})
    if isinstance(t, TupleType):
        return st.tuples(*(values(e, depth + 1) for e in t.elements)).map(list)
    if isinstance(t, OptionType):
        return st.none() | values(t.inner, depth + 1)
    if isinstance(t, ResultType):
        ok = st.just(True) if t.ok is None else values(t.ok, depth + 1)
        err = st.just(True) if t.err is None else values(t.err, depth + 1)
        return ok.map(lambda v: {"ok": v}) | err.map(lambda v: {"err": v})
    if isinstance(t, VariantType):
        return st.one_of(*(
            (st.just(True) if c.type is None else values(c.type, depth + 1))
            .map(lambda v, name=c.name: {name: v})
            for c in t.cases
        ))
    if isinstance(t, EnumType):
        return st.sampled_from(t.cases)
    if isinstance(t, FlagsType):
        return st.sets(st.sampled_from(t.names)).map(lambda s: {n: True for n in s})
    raise AssertionError(t)


def same(a, b):
    """Equality where NaN never occurs but -0.0/0.0 must keep their sign."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b) or (
            math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


SETTINGS = settings(max_examples=50, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("name", ECHOES)
def test_echo_round_trips_through_component_and_core(name, echo_component, echo_core):
    param = WIT[name].params[0].type

    @SETTINGS
    @given(values(param))
    def check(value):
        via_component = echo_component(name, value)
        via_core = echo_core(name, value)
        assert same(via_component, value), (value, via_component)
        assert same(via_core, value), (value, via_core)

    check()


def test_echo_wide_round_trips(echo_component, echo_core):
    ft = WIT["echo-wide"]

    @SETTINGS
    @given(st.tuples(*(values(p.type) for p in ft.params)))
    def check(args):
        expected = list(args)
        assert same(echo_component("echo-wide", *args), expected)
        assert same(echo_core("echo-wide", *args), expected)

    check()


def transform(users):
    return [{"id": u["id"], "name": "@" + u["name"], "tags": [*u["tags"], "seen"],
             "active": not u["active"]} for u in users]


def test_transform_users_matches_the_documented_transformation(users_component, echo_core):
    user = WIT["transform-users"].params[0].type

    @SETTINGS
    @given(values(user))
    def check(users):
        expected = transform(users)
        assert users_component("transform-users", users) == expected
        assert echo_core("transform-users", users) == expected

    check()


def test_echo_functions_cover_every_type_family():
    families = set()

    def walk(t):
        families.add(type(t).__name__ if not isinstance(t, Primitive) else t.name)
        for child in getattr(t, "fields", ()):
            walk(child.type)
        for attr in ("element", "inner", "ok", "err"):
            if getattr(t, attr, None) is not None:
                walk(getattr(t, attr))
        for e in getattr(t, "elements", ()):
            walk(e)
        for c in getattr(t, "cases", ()):
            if getattr(c, "type", None) is not None:
                walk(c.type)

    for name in ECHOES:
        walk(WIT[name].params[0].type)
    expected = {"bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64", "f32", "f64",
                "char", "string", "ListType", "RecordType", "TupleType", "OptionType",
                "ResultType", "VariantType", "EnumType", "FlagsType"}
    assert expected <= families
