"""Plain value checking against WIT types: accepted shapes and every documented error."""

import pytest
from wippy_runtime.wit import parse_wit
from wippy_runtime.wit.convert import args_lowerer, lower_args, lower_value
from wippy_runtime.wit.errors import WitValueError
from wippy_runtime.wit.handles import ResourceHandle

DOC = parse_wit(
    """
    record user { id: u32, name: string, tags: list<string>, active: bool }
    record opt { a: u8, b: option<string> }
    variant shape { circle(f64), rect(tuple<f32, f32>), empty }
    enum color { red, green, blue }
    flags perms { read, write, exec }
    resource blob;
    resource other;
    transform-users: func(users: list<user>) -> list<user>;
    compute: func(a: s32, b: s32) -> s32;
    ints: func(a: u8, b: s8, c: u16, d: s16, e: u32, f: s32, g: u64, h: s64);
    floats: func(a: f32, b: f64);
    text: func(s: string, c: char, b: list<u8>, l: list<s32>);
    shapes: func(s: shape, c: color, p: perms);
    results: func(r: result<u32, string>, u: result, o: option<u8>);
    records: func(o: opt, t: tuple<u8, string>);
    handles: func(b: borrow<blob>);
    try-divide: func(a: s32, b: s32) -> result<s32, string>;
    maybe: func(a: u8, b: option<u8>);
    """
)
F = DOC.functions
BLOB = DOC.types["blob"]
OTHER = DOC.types["other"]

ALICE = {"id": 1, "name": "Alice", "tags": ["admin"], "active": True}


def call(fname, *args):
    return lower_args(F[fname], args)


def test_good_values_are_normalised():
    assert call("compute", 6, 7.0) == [6, 7]
    assert call("transform-users", [ALICE, {**ALICE, "tags": {}}]) == [
        [(1, "Alice", ["admin"], True), (1, "Alice", [], True)]
    ]
    assert call("ints", 255, -128, 65535, -32768, 2**32 - 1, -(2**31), 2**64 - 1, -(2**63)) \
        == [255, -128, 65535, -32768, 2**32 - 1, -(2**31), 2**64 - 1, -(2**63)]
    assert call("floats", 1, 2.5) == [1.0, 2.5]
    assert call("text", b"h\xc3\xa9", "\u00e9", "hi", {}) == ["hé", "é", b"hi", []]
    assert call("text", "x", "y", b"\xff\x00", [1, 2]) == ["x", "y", b"\xff\x00", [1, 2]]
    assert call("shapes", {"rect": [1, 2.5]}, "blue", {"read": True, "exec": True}) == [
        (1, (1.0, 2.5)), 2, 0b101
    ]
    assert call("shapes", {"empty": True}, "red", ["write"]) == [(2, None), 0, 0b010]
    assert call("shapes", "empty", "red", {"read": False}) == [(2, None), 0, 0]
    assert call("results", {"ok": 5}, {"err": True}, None) == [(0, 5), (1, None), (0, None)]
    assert call("results", {"err": "bad"}, {"ok": True}, 7) == [(1, "bad"), (0, None), (1, 7)]
    assert call("records", {"a": 1}, [2, "x"]) == [(1, (0, None)), (2, "x")]
    assert call("records", {"a": 1, "b": "s"}, [2, "x"]) == [(1, (1, "s")), (2, "x")]
    h = ResourceHandle(BLOB)
    assert call("handles", h) == [h]
    assert call("maybe", 1) == [1, (0, None)]


BAD = [
    # (function, args, message)
    ("compute", (1, 2, 3), "expected 2 arguments, got 3"),
    ("compute", (1,), "expected 2 arguments, got 1"),
    ("compute", (1, "x"), 'argument 2 (b: s32): expected s32, got string "x"'),
    ("compute", (True, 1), "argument 1 (a: s32): expected s32, got boolean true"),
    ("compute", (3.5, 1), "argument 1 (a: s32): expected an integer for s32, got number 3.5"),
    ("compute", (2**31, 1), "argument 1 (a: s32): value 2147483648 out of range for s32 "
                            "(-2147483648..2147483647)"),
    ("ints", (300, 0, 0, 0, 0, 0, 0, 0), "argument 1 (a: u8): value 300 out of range for u8 "
                                         "(0..255)"),
    ("ints", (0, 0, 0, 0, 0, 0, -1, 0), "argument 7 (g: u64): value -1 out of range for u64 "
                                        "(0..18446744073709551615)"),
    ("floats", (None, 1.0), "argument 1 (a: f32): expected f32, got nil"),
    ("floats", (1.0, "1"), 'argument 2 (b: f64): expected f64, got string "1"'),
    ("transform-users", ([ALICE, {**ALICE, "tags": ["a", 5]}],),
     "argument 1 (users: list<user>): users[2].tags[2]: expected string, got integer 5"),
    ("transform-users", ([{"id": 1, "tags": [], "active": True}],),
     'argument 1 (users: list<user>): users[1]: missing field "name"'),
    ("transform-users", ([{**ALICE, "nmae": "x"}],),
     'argument 1 (users: list<user>): users[1]: unknown field "nmae"'),
    ("transform-users", ([{**ALICE, "id": 2**32}],),
     "argument 1 (users: list<user>): users[1].id: value 4294967296 out of range for u32 "
     "(0..4294967295)"),
    ("transform-users", ({1: ALICE, 3: ALICE},),
     "argument 1 (users: list<user>): sparse array (keys 1, 3) where list<user> expected"),
    ("transform-users", ("x",),
     'argument 1 (users: list<user>): expected list<user>, got string "x"'),
    ("transform-users", ([5],),
     "argument 1 (users: list<user>): users[1]: expected record user (a table), got integer 5"),
    ("text", (b"\xff", "c", "", []), "argument 1 (s: string): invalid UTF-8 in string"),
    ("text", ("s", "ab", "", []),
     'argument 2 (c: char): expected a single character (char), got string "ab"'),
    ("text", ("s", "", "", []),
     'argument 2 (c: char): expected a single character (char), got string ""'),
    ("text", ("s", "c", 5, []),
     "argument 3 (b: list<u8>): expected list<u8> (a string), got integer 5"),
    ("text", ("s", "c", "", {1: 1, 3: 3}),
     "argument 4 (l: list<s32>): sparse array (keys 1, 3) where list<s32> expected"),
    ("text", ("s", "c", "", [1, 2, 2**40]),
     "argument 4 (l: list<s32>): l[3]: value 1099511627776 out of range for s32 "
     "(-2147483648..2147483647)"),
    ("shapes", ({"square": 1}, "red", {}),
     'argument 1 (s: shape): unknown variant case "square" (expected one of circle, rect, empty)'),
    ("shapes", ({"circle": 1, "rect": [1, 2]}, "red", {}),
     "argument 1 (s: shape): expected shape (a table with exactly one of circle, rect, empty), "
     "got table"),
    ("shapes", ({"rect": [1]}, "red", {}),
     "argument 1 (s: shape): s.rect: expected tuple<f32, f32> with 2 items, got array of 1 "
     "items"),
    ("shapes", ({"circle": 1}, "purple", {}),
     'argument 2 (c: color): unknown enum case "purple" (expected one of red, green, blue)'),
    ("shapes", ({"circle": 1}, 1, {}),
     "argument 2 (c: color): expected color (one of red, green, blue), got integer 1"),
    ("shapes", ({"circle": 1}, "red", {"delete": True}),
     'argument 3 (p: perms): unknown flag "delete" (expected some of read, write, exec)'),
    ("shapes", ({"circle": 1}, "red", {"read": 1}),
     'argument 3 (p: perms): flag "read" must be true or false, got integer 1'),
    ("results", ({"fine": 1}, {"ok": True}, None),
     'argument 1 (r: result<u32, string>): unknown result case "fine" (expected one of ok, '
     "err)"),
    ("results", ({"err": 5}, {"ok": True}, None),
     "argument 1 (r: result<u32, string>): r.err: expected string, got integer 5"),
    ("results", ({"ok": 1}, {"ok": 5}, None),
     'argument 2 (u: result): case "ok" of result has no payload, got integer 5'),
    ("results", ({"ok": 1}, {"ok": True}, 256),
     "argument 3 (o: option<u8>): value 256 out of range for u8 (0..255)"),
    ("records", ({"a": 1, "b": 2}, [1, "x"]), "argument 1 (o: opt): o.b: expected string, got "
                                              "integer 2"),
    ("records", ({"a": 1}, [1, "x", 3]),
     "argument 2 (t: tuple<u8, string>): expected tuple<u8, string> with 2 items, got array of "
     "3 items"),
    ("handles", (5,), "argument 1 (b: borrow<blob>): expected borrow<blob> (a blob handle), got "
                      "integer 5"),
    ("handles", (ResourceHandle(OTHER),),
     "argument 1 (b: borrow<blob>): expected borrow<blob> (a blob handle), got <other handle>"),
]


@pytest.mark.parametrize(("fname", "args", "message"), BAD, ids=[m for _, _, m in BAD])
def test_bad_arguments_are_reported_precisely(fname, args, message):
    with pytest.raises(WitValueError) as info:
        call(fname, *args)
    assert str(info.value) == message


def test_error_carries_structured_details():
    with pytest.raises(WitValueError) as info:
        call("transform-users", [ALICE, {**ALICE, "tags": ["a", 5]}])
    err = info.value
    assert (err.index, err.param, err.path) == (1, "users", "users[2].tags[2]")
    assert err.reason == "expected string, got integer 5"
    assert str(err.wit_type) == "list<user>"


def test_lower_value_names_the_value():
    user = DOC.types["user"]
    with pytest.raises(WitValueError, match=r'^ret \(user\): missing field "id"$'):
        lower_value(user, {"name": "x", "tags": [], "active": True}, "ret")


def test_args_lowerer_is_built_once_and_checks_every_call():
    check = args_lowerer(F["maybe"])
    assert check([1, 2]) == [1, (1, 2)]
    assert check([1]) == [1, (0, None)]  # a trailing option may be left out (Lua drops nils)
    with pytest.raises(WitValueError, match=r"^expected 2 arguments, got 0$"):
        check([])
    with pytest.raises(WitValueError, match=r"^argument 2 \(b: option<u8>\): value 300") as info:
        check([1, 300])
    assert (info.value.param, info.value.index) == ("b", 2)
