"""Checked values flattened for a core call: joined variant slots, zero padding, flags words,
and the signed form wasmtime-py wants for i32/i64 arguments."""

import struct

import pytest
from wippy_runtime.wit import parse_wit
from wippy_runtime.wit.canonical_lower import flat_lowerer, to_core_arg
from wippy_runtime.wit.convert import lower_value
from wippy_runtime.wit.errors import WitValueError

DOC = parse_wit("""
    variant num { small(u8), real(f32), big(f64), none }
    flags many { """ + ", ".join(f"x{i}" for i in range(40)) + """ }
    resource blob;
    f: func(a: num, b: many, c: borrow<blob>, d: tuple<bool, char>);
""")
P = [p.type for p in DOC.functions["f"].params]


def flat(t, plain):
    return flat_lowerer(t)(None, lower_value(t, plain))


def test_variant_payloads_share_joined_slots_and_pad_with_zero():
    assert flat(P[0], {"small": 200}) == [0, 200]
    assert flat(P[0], {"real": 1.5}) == [1, struct.unpack("<I", struct.pack("<f", 1.5))[0]]
    assert flat(P[0], {"big": 2.0}) == [2, struct.unpack("<q", struct.pack("<d", 2.0))[0]]
    assert flat(P[0], "none") == [3, 0]


def test_forty_flags_take_two_words():
    assert flat(P[1], {"x0": True, "x33": True}) == [1, 2]


def test_bool_and_char_become_integers():
    assert flat(P[3], [True, "A"]) == [1, 65]


def test_a_handle_of_another_backend_is_refused():
    from wippy_runtime.wit.handles import ResourceHandle

    with pytest.raises(WitValueError, match="core module resource handle"):
        flat(P[2], ResourceHandle(DOC.types["blob"]))


@pytest.mark.parametrize(("value", "core", "arg"), [
    (2**32 - 1, "i32", -1), (2**31 - 1, "i32", 2**31 - 1), (2**64 - 1, "i64", -1),
    (5, "f64", 5.0),
])
def test_core_arguments_are_signed(value, core, arg):
    assert to_core_arg(value, core) == arg
