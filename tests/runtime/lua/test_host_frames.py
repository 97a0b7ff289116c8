"""Lua errors from entries carry the user's stack, not the host's wrapper frames."""

from __future__ import annotations

import pytest
from wippy_runtime import Runtime
from wippy_runtime.errors import CallError
from wippy_runtime.lua.state import without_host_frames

HOST = '[string "<python>"]'


def test_wrapper_frames_go_and_a_message_raised_in_a_wrapper_keeps_its_text():
    text = (f"{HOST}:12: cannot change a protected metatable\nstack traceback:\n"
            f"\t[C]: in upvalue 'setmetatable_'\n\t{HOST}:60: in field 'pcall'\n"
            "\t[C]: in function 'xpcall'\n\tapp:x:1: in function <app:x:1>")
    assert without_host_frames(text) == (
        "cannot change a protected metatable\nstack traceback:\n"
        "\t[C]: in upvalue 'setmetatable_'\n\tapp:x:1: in function <app:x:1>")


def test_an_entry_error_has_no_host_frames():
    rt = Runtime(cache_dir=False)
    rt.define({"id": "t:boom", "kind": "function.lua", "method": "main",
               "source": "return { main = function()\n  error('kaboom')\nend }"})
    with pytest.raises(CallError) as info:
        rt.call("t:boom")
    text = str(info.value)
    assert "t:boom:2: kaboom" in text and "\tt:boom:2: in function <t:boom:1>" in text
    assert HOST not in text and "xpcall" not in text
    rt.close()
