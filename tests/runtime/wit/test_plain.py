"""The plain value model's shared pieces: descriptions, Lua's integer range, `value, err`."""

import pytest
from wippy_runtime.wit import parse_wit
from wippy_runtime.wit.errors import WitValueError
from wippy_runtime.wit.handles import ResourceHandle
from wippy_runtime.wit.plain import check_lua_int, describe, split_top_level_result

F = parse_wit("""
    resource blob;
    try-divide: func(a: s32, b: s32) -> result<s32, string>;
    compute: func(a: s32, b: s32) -> s32;
""")


def test_top_level_result_splits_into_value_and_error():
    f = F.functions["try-divide"]
    assert split_top_level_result(f, {"ok": 5}) == (5, None)
    assert split_top_level_result(f, {"err": "division by zero"}) == (None, "division by zero")
    assert split_top_level_result(F.functions["compute"], 13) == (13, None)


def test_a_result_shaped_value_of_a_non_result_function_is_not_split():
    assert split_top_level_result(F.functions["compute"], {"ok": 5}) == ({"ok": 5}, None)


def test_u64_above_lua_range_is_an_error():
    assert check_lua_int(2**63 - 1) == 2**63 - 1
    with pytest.raises(WitValueError, match="does not fit a Lua integer"):
        check_lua_int(2**63)


@pytest.mark.parametrize(("value", "text"), [
    (None, "nil"),
    (True, "boolean true"),
    (5, "integer 5"),
    (2.5, "number 2.5"),
    ("x" * 50, 'string "' + "x" * 37 + '..."'),
    (b"\xff\x00", "binary string of 2 bytes"),
    ([1, 2], "array of 2 items"),
    ({}, "empty table"),
    ({"a": 1}, "table"),
    (object(), "object"),
])
def test_describe_speaks_lua(value, text):
    assert describe(value) == text


def test_describe_shows_a_handle_by_its_resource():
    assert describe(ResourceHandle(F.types["blob"])) == "<blob handle>"
