"""The memory queue driver and its messages, driven directly: order, redelivery bounds,
dead-lettering, declarations owned by their generation, and a closed driver."""

from __future__ import annotations

import pytest
from wippy_runtime.errors import INTERNAL, INVALID, UNAVAILABLE
from wippy_runtime.resources.queue.memory import MemoryDriver, QueueSettings
from wippy_runtime.resources.queue.message import JSON, LUA, TEXT, Message, QueueError, encode


def driver(**settings) -> MemoryDriver:
    d = MemoryDriver("t:driver")
    d.declare("t:q", QueueSettings(JSON, **settings), owner="gen1")
    return d


def msg(n: int) -> Message:
    return Message(encode(JSON, {"n": n}), JSON)


def test_messages_come_out_in_order_and_ack_drops_them():
    d = driver()
    for n in range(3):
        d.publish("t:q", msg(n))
    taken = [d.take("t:q") for _ in range(3)]
    assert [t.message.data() for t in taken] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert all(t.ack() for t in taken)
    assert d.take("t:q") is None and d.info("t:q")["message_count"] == 0


def test_settling_is_single_shot():
    d = driver()
    d.publish("t:q", msg(1))
    t = d.take("t:q")
    assert t.ack() is True
    assert (t.ack(), t.nack(), t.outcome) == (False, False, "ack")
    assert d.take("t:q") is None  # the refused nack did not requeue it


def test_nack_requeues_until_max_attempts_then_dead_letters():
    d = driver(max_attempts=3, dead_letter="t:dead")
    d.declare("t:dead", QueueSettings(JSON), owner="gen1")
    d.publish("t:q", msg(1))
    seen = []
    while (t := d.take("t:q")) is not None:
        seen.append(t.message.headers.get("attempts", 0))
        t.nack()
    assert seen == [0, 1, 2]
    dead = d.take("t:dead")
    assert dead.message.headers["x_original_queue"] == "t:q"
    assert dead.message.headers["x_dead_letter_reason"] == "delivered 3 times"
    assert d.info("t:q")["dead_lettered"] == 1


def test_without_a_dead_letter_queue_the_last_failure_is_dropped_and_counted():
    d = driver(max_attempts=1)
    d.publish("t:q", msg(1))
    d.take("t:q").nack()
    assert d.take("t:q") is None and d.info("t:q")["dropped"] == 1


def test_full_queue_unknown_queue_and_closed_driver_are_errors():
    d = driver(max_length=1)
    d.publish("t:q", msg(1))
    with pytest.raises(QueueError) as full:
        d.publish("t:q", msg(2))
    assert full.value.kind == UNAVAILABLE
    with pytest.raises(QueueError) as unknown:
        d.publish("t:other", msg(1))
    assert unknown.value.kind == INTERNAL and "t:other is not declared on driver t:driver" in \
        unknown.value.message
    d.close()
    with pytest.raises(QueueError, match="stopped"):
        d.publish("t:q", msg(1))


def test_only_the_owning_declaration_undeclares():
    d = driver()
    d.publish("t:q", msg(1))
    d.declare("t:q", QueueSettings(JSON, max_length=5), owner="gen2")  # a rebuilt entry
    d.undeclare("t:q", "gen1")  # the retired generation: no effect
    assert d.info("t:q")["message_count"] == 1
    d.undeclare("t:q", "gen2")
    assert not d.declared("t:q")


def test_consumers_are_woken_in_turn():
    d = driver()
    woken: list[str] = []
    detach_a = d.attach("t:q", lambda: woken.append("a"))
    d.attach("t:q", lambda: woken.append("b"))
    d.publish("t:q", msg(1))
    d.publish("t:q", msg(2))
    assert woken == ["b", "a", "a", "b"]
    detach_a()
    d.publish("t:q", msg(3))
    assert woken[-1:] == ["b"] and d.info("t:q")["consumer_count"] == 1


def test_codecs_check_data_at_publish():
    with pytest.raises(QueueError) as bad:
        encode(JSON, {"b": b"\xff"})
    assert bad.value.kind == INVALID
    with pytest.raises(QueueError):
        encode(TEXT, {"a": 1})
    value = {"a": [1]}
    copied = encode(LUA, value)
    value["a"].append(2)
    assert copied == {"a": [1]}
