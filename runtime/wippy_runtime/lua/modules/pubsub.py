"""The `subscribe(topic, channel)` and `unsubscribe(channel)` globals (Wippy's pubsub).

They route the messages sent to this process on a topic (`process.send(pid, topic, ...)`) into
a channel the caller made (`process.listen(topic)` makes one itself): `subscribe` returns the
channel, and messages that arrived for the topic before it was subscribed are delivered to it
first; `unsubscribe` returns true, or `false, err` (NOT_FOUND) for a channel not subscribed.
A topic has one channel at a time; subscribing another replaces it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import lupa.lua54 as lupa

from ...errors import INVALID, NOT_FOUND, CallError
from ...scheduler.dispatcher import current
from ..objects import bad_argument, fail, text_arg
from .channel import Channel
from .process import _deliver_message, _receiver, host_of

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState


def _channel(function: str, index: int, value: Any) -> Channel:
    py = value[b"_py"] if lupa.lua_type(value) == "table" else None
    if not isinstance(py, Channel):
        raise bad_argument(function, index, "channel", "channel", value)
    return py


def install(state: LuaState, runtime: LuaHost) -> None:
    host = host_of(runtime)

    def receiver() -> Any:
        disp, _ = current(state)
        return _receiver(host.for_dispatcher(disp))

    def subscribe(topic: Any = None, ch: Any = None, *_: Any) -> Any:
        t = text_arg("subscribe", 1, "topic", topic)
        if not t or t.startswith("@"):
            raise CallError("subscribe: topic must be a non-empty string not starting with '@'",
                            kind=INVALID)
        py = _channel("subscribe", 2, ch)
        rc = receiver()
        rc.listeners[t] = (py, False)
        early, rc.early_msgs = rc.early_msgs, []
        for sender, msg_topic, payloads in early:
            if not _deliver_message(rc, sender, msg_topic, payloads):
                rc.early_msgs.append((sender, msg_topic, payloads))
        return ch

    def unsubscribe(ch: Any = None, *_: Any) -> Any:
        py = _channel("unsubscribe", 1, ch)
        rc = receiver()
        topics = [t for t, (c, _) in rc.listeners.items() if c is py]
        if not topics:
            return fail("unsubscribe: channel not found (it is not subscribed to a topic)",
                        NOT_FOUND, False)
        for t in topics:
            del rc.listeners[t]
        py.close()
        return True

    state.bind("subscribe", subscribe)
    state.bind("unsubscribe", unsubscribe)
