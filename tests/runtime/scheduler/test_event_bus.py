"""The event bus: pattern matching and delivery (Lua delivery is in the events module tests)."""

from __future__ import annotations

import threading

from wippy_runtime.scheduler.event_bus import Event, EventBus, matches


def test_publish_reaches_matching_subscriptions_only():
    bus = EventBus()
    got: list[tuple[str, str]] = []
    bus.subscribe("app.*", None, lambda e: got.append(("all", e.path)))
    bus.subscribe("app.orders", "created", lambda e: got.append(("created", e.path)))
    assert bus.publish(Event("app.orders", "created", "/1")) == 2
    assert bus.publish(Event("app.orders", "deleted", "/2")) == 1
    assert bus.publish(Event("other", "created", "/3")) == 0
    assert got == [("all", "/1"), ("created", "/1"), ("all", "/2")]


def test_close_unsubscribes_once():
    bus = EventBus()
    sub = bus.subscribe("*", None, lambda e: None)
    assert len(bus) == 1
    sub.close()
    sub.close()
    assert len(bus) == 0 and bus.publish(Event("a", "k", "/")) == 0


def test_publish_from_many_threads_while_subscribing():
    bus = EventBus()
    seen = []
    lock = threading.Lock()

    def record(e: Event) -> None:
        with lock:
            seen.append(e.data)

    bus.subscribe("load.*", None, record)
    threads = [threading.Thread(target=lambda i=i: [bus.publish(Event("load.t", "k", "/", i))
                                                    for _ in range(50)]) for i in range(4)]
    for t in threads:
        t.start()
    for _ in range(20):
        bus.subscribe("unrelated", None, lambda e: None).close()
    for t in threads:
        t.join()
    assert sorted(seen) == sorted([i for i in range(4) for _ in range(50)])


def test_event_as_plain_leaves_out_missing_data():
    assert Event("s", "k", "/p").as_plain() == {"system": "s", "kind": "k", "path": "/p"}
    assert matches("*", "anything") and matches("a.*", "a.b")
