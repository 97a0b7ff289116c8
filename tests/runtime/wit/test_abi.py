"""Canonical ABI facts: flattening (with the MAX_FLAT limits), size and alignment."""

import pytest
from wippy_runtime.wit import core_flat_types, parse_signatures, parse_wit
from wippy_runtime.wit.abi import alignment, flatten, layout, size_of, variant_cases


def sig(text: str):
    (ft,) = parse_signatures(text).values()
    return ft


@pytest.mark.parametrize(
    ("text", "params", "results"),
    [
        ("answer: func() -> s32;", [], ["i32"]),
        ("add: func(a: s32, b: s32) -> s32;", ["i32", "i32"], ["i32"]),
        ("f: func(a: u64, b: f32, c: f64, d: bool, e: char);", ["i64", "f32", "f64", "i32", "i32"],
         []),
        ("greet: func(name: string) -> string;", ["i32", "i32"], ["i32"]),
        ("f: func(x: list<u8>) -> list<u8>;", ["i32", "i32"], ["i32"]),
        ("f: func(x: option<f32>) -> option<u8>;", ["i32", "f32"], ["i32"]),
        ("f: func(x: result<u64, f32>);", ["i32", "i64"], []),
        ("f: func(x: result<f32, u32>);", ["i32", "i32"], []),
        ("f: func(x: result<f32, f32>);", ["i32", "f32"], []),
        ("f: func(x: result);", ["i32"], []),
        ("f: func(x: tuple<u8, string, f64>);", ["i32", "i32", "i32", "f64"], []),
        # 16 flat params still fit in registers ...
        ("f: func(a: tuple<u32, u32, u32, u32, u32, u32, u32, u32>, "
         "b: tuple<u32, u32, u32, u32, u32, u32, u32, u32>);", ["i32"] * 16, []),
        # ... 17 become one pointer to the arguments in memory
        ("f: func(a: tuple<u32, u32, u32, u32, u32, u32, u32, u32>, "
         "b: tuple<u32, u32, u32, u32, u32, u32, u32, u32>, c: u8);", ["i32"], []),
        ("f: func() -> tuple<u8, u8>;", [], ["i32"]),
        ("f: func() -> (s32, s32);", [], ["i32"]),
    ],
)
def test_core_flat_types(text, params, results):
    assert core_flat_types(sig(text)) == (params, results)


def test_record_flattening_and_layout():
    doc = parse_wit("record user { id: u32, name: string, tags: list<string>, active: bool }")
    user = doc.types["user"]
    assert flatten(user) == ("i32",) * 6
    # id@0, name@4, tags@12, active@20 -> 21, rounded up to the alignment 4
    assert (size_of(user), alignment(user)) == (24, 4)


@pytest.mark.parametrize(
    ("text", "size", "align"),
    [
        ("bool", 1, 1), ("u16", 2, 2), ("char", 4, 4), ("f64", 8, 8), ("string", 8, 4),
        ("tuple<u8, u64>", 16, 8), ("tuple<u8, u16, u8>", 6, 2), ("option<u64>", 16, 8),
        ("option<u8>", 2, 1), ("result<_, string>", 12, 4), ("result", 1, 1),
        ("e3", 1, 1), ("f9", 2, 2), ("f33", 8, 4), ("v", 16, 8), ("own<r>", 4, 4),
    ],
)
def test_size_and_alignment(text, size, align):
    doc = parse_wit(
        "enum e3 { a, b, c }\n"
        "flags f9 { a, b, c, d, e, f, g, h, i }\n"
        "flags f33 { " + ", ".join(f"x{i}" for i in range(33)) + " }\n"
        "variant v { a, b(u64), c(string) }\n"
        "resource r;\n"
        f"f: func(x: {text});"
    )
    t = doc.functions["f"].params[0].type
    assert (size_of(t), alignment(t)) == (size, align)


@pytest.mark.parametrize(
    ("text", "uses_memory"),
    [
        ("u64", False), ("string", True), ("list<u8>", True), ("tuple<u8, f64>", False),
        ("tuple<u8, string>", True), ("option<list<s32>>", True), ("result<u8, e3>", False),
        ("v", True), ("own<r>", False), ("f33", False),
    ],
)
def test_layout_says_which_types_travel_through_memory(text, uses_memory):
    doc = parse_wit(
        "enum e3 { a, b, c }\n"
        "flags f33 { " + ", ".join(f"x{i}" for i in range(33)) + " }\n"
        "variant v { a, b(u64), c(string) }\n"
        "resource r;\n"
        f"f: func(x: {text});"
    )
    t = doc.functions["f"].params[0].type
    got = layout(t)
    assert got.uses_memory is uses_memory
    assert (got.size, got.align, got.flat) == (size_of(t), alignment(t), flatten(t))


def test_variant_cases_treats_option_and_result_as_variants():
    doc = parse_wit("variant v { a, b(u64) }\nf: func(x: option<u8>, y: result<_, string>, z: v);")
    x, y, z = (p.type for p in doc.functions["f"].params)
    assert variant_cases(x) == (None, x.inner)
    assert variant_cases(y) == (None, y.err)
    assert [str(c) for c in variant_cases(z)] == ["None", "u64"]
    with pytest.raises(TypeError):
        variant_cases(doc.functions["f"].params[0].type.inner)
