"""The `subscribe(topic, channel)` / `unsubscribe(channel)` globals, from Lua."""

from __future__ import annotations

import pytest
from wippy_runtime.errors import NOT_FOUND, CallError


def test_subscribed_channel_receives_topic_messages(run):
    out = run("""
local ch = channel.new(4)
local same = subscribe("greet", ch) == ch
process.send(process.pid(), "greet", "hello")
process.send(process.pid(), "greet", {n = 2})
local a = ch:receive()
local b = ch:receive()
return {same, a, b.n}
""", ["time"])
    assert out == [True, "hello", 2]


def test_messages_sent_before_subscribing_are_delivered_first(run):
    out = run("""
process.send(process.pid(), "early", "first")
local ch = subscribe("early", channel.new(4))
return ch:receive()
""")
    assert out == "first"


def test_unsubscribe_closes_and_reports_unknown_channels(run):
    out = run("""
local ch = subscribe("t", channel.new(1))
local ok = unsubscribe(ch)
local v, open = ch:receive()
local again, err = unsubscribe(ch)
return {ok, v == nil, open, again, err:kind()}
""")
    assert out == [True, True, False, False, NOT_FOUND]


def test_bad_arguments_name_the_function_and_argument(run):
    with pytest.raises(CallError) as info:
        run('return subscribe("t", 5)')
    assert "subscribe" in str(info.value) and "channel" in str(info.value)
    with pytest.raises(CallError) as info:
        run("return subscribe(nil, channel.new())")
    assert "subscribe" in str(info.value) and "topic" in str(info.value)
    with pytest.raises(CallError) as info:
        run("return unsubscribe({})")
    assert "unsubscribe" in str(info.value)
