"""Flat results read back into plain values: sign and width of every integer, floats taken
out of a variant's joined slots, and module-side errors (bad case, bad char, u64 overflow).

Flat lowering and lifting of types without strings or lists touch no memory, so these run
on the lifters alone; memory-backed values are covered by the calls in test_wit_calls and
the round trips in test_wit_roundtrip.
"""

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st
from wippy_runtime.wit import parse_wit
from wippy_runtime.wit.abi import flatten
from wippy_runtime.wit.canonical_lift import flat_lifter
from wippy_runtime.wit.canonical_lower import flat_lowerer, to_core_arg
from wippy_runtime.wit.convert import lower_value
from wippy_runtime.wit.errors import CoreAbiError, WitValueError

DOC = parse_wit("""
    enum color { red, green }
    flags perms { read, write }
    variant num { small(u8), real(f32), big(f64), none }
    record point { x: s16, y: option<f32> }
    f: func(a: s8, b: u32, c: u64, d: char, e: num, g: point, h: color, i: perms,
            j: result<s64, f32>);
""")
P = {p.name: p.type for p in DOC.functions["f"].params}


def flat_round_trip(t, plain):
    flat = flatten_signed(t, flat_lowerer(t)(None, lower_value(t, plain)))
    return flat_lifter(t)(iter(flat), None)


def flatten_signed(t, values):
    """What wasmtime hands back: i32/i64 in the signed range, as the guest sees them."""
    return [to_core_arg(v, c) if c in ("i32", "i64") else v
            for v, c in zip(values, flatten(t), strict=True)]


@pytest.mark.parametrize(("name", "plain"), [
    ("a", -128), ("a", 127), ("b", 2**32 - 1), ("c", 2**63 - 1), ("d", "\u00e9"),
    ("e", {"small": 200}), ("e", {"real": 1.5}), ("e", {"big": -2.25}), ("e", {"none": True}),
    ("g", {"x": -3, "y": 0.5}), ("g", {"x": 7, "y": None}), ("h", "green"),
    ("i", {"write": True}), ("j", {"ok": -(2**63)}), ("j", {"err": 0.25}),
])
def test_flat_values_survive_lowering_and_lifting(name, plain):
    assert flat_round_trip(P[name], plain) == plain


@given(st.floats(width=32, allow_nan=False))
def test_an_f32_payload_comes_back_out_of_its_joined_slot(x):
    assert flat_round_trip(P["e"], {"real": x}) == {"real": x}


def test_a_case_the_type_does_not_have_is_the_modules_fault():
    with pytest.raises(CoreAbiError, match="case 7"):
        flat_lifter(P["e"])(iter([7, 0]), None)


def test_an_invalid_char_is_the_modules_fault():
    with pytest.raises(CoreAbiError, match="invalid char U\\+D800"):
        flat_lifter(P["d"])(iter([0xD800]), None)


def test_a_u64_above_lua_integers_is_an_error_not_a_wrap():
    with pytest.raises(WitValueError, match="does not fit a Lua integer"):
        flat_lifter(P["c"])(iter([-1]), None)


def test_f64_payload_bits_come_back_exactly():
    bits = struct.unpack("<q", struct.pack("<d", -2.25))[0]
    assert flat_lifter(P["e"])(iter([2, bits]), None) == {"big": -2.25}
