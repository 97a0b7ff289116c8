"""The `events` module: `events.subscribe(system, kind?)` and `events.send(system, kind, path,
data?)` over the runtime's event bus (scheduler/event_bus.py).

A subscription belongs to the execution that made it: its channel (buffered, 64 events, as
Wippy's) receives `{system=, kind=, path=, data=}` tables, delivered on that execution's
dispatcher thread whichever thread sent them; it is closed by `sub:close()` or when the
execution ends. Wippy's error conventions are kept, including its choice of INVALID (not
PERMISSION_DENIED) when a policy denies `events.subscribe` or `events.send` on the system.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import INTERNAL, INVALID, CallError
from ...scheduler.event_bus import Event, Subscription, bus_of
from ..convert import ConversionError, to_lua, to_plain
from ..objects import fail, lua_class, optional_text, text_arg
from .channel import Channel, lua_channel

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

BUFFER = 64


class SubHandle:
    __slots__ = ("sub", "channel", "closed")

    def __init__(self, channel: Channel) -> None:
        self.sub: Subscription | None = None
        self.channel = channel
        self.closed = False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self.sub is not None:
                self.sub.close()
            self.channel.close()


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua
    bus = bus_of(runtime)
    security = runtime.security

    def s_channel(h: SubHandle, *_: Any) -> Any:
        return lua_channel(state, h.channel)

    def s_close(h: SubHandle, *_: Any) -> bool:
        h.close()
        return True

    cls = lua_class(state, "events.Subscription", {"channel": s_channel, "close": s_close},
                    lambda h: "events.Subscription{" + (
                        "closed" if h is None or h.closed else
                        (h.sub.system if h.sub else "")) + "}")

    def subscribe(system: Any = None, kind: Any = None, *_: Any) -> Any:
        sys_ = text_arg("events.subscribe", 1, "system", system)
        if not sys_:
            return fail("events.subscribe: system pattern is required", INVALID)
        if not security.allowed("events.subscribe", sys_):
            return fail(f"events.subscribe: not allowed to subscribe to events from system: "
                        f"{sys_}", INVALID)
        kind_ = optional_text("events.subscribe", 2, "kind", kind) or None
        disp = state.dispatcher
        if disp is None:
            return fail("events.subscribe: needs a running execution", INTERNAL)
        handle = SubHandle(Channel(BUFFER))

        def deliver_here(event: Event) -> None:
            if not handle.closed:
                handle.channel.deliver(to_lua(lua, event.as_plain()))

        def deliver(event: Event) -> None:  # any thread
            disp.post(lambda: deliver_here(event))

        handle.sub = bus.subscribe(sys_, kind_, deliver)
        disp.on_finish.append(handle.close)
        return cls.new(handle), None

    def send(system: Any = None, kind: Any = None, path: Any = None, data: Any = None,
             *_: Any) -> Any:
        sys_ = text_arg("events.send", 1, "system", system)
        if not sys_:
            return fail("events.send: system is required", INVALID)
        kind_ = text_arg("events.send", 2, "kind", kind)
        if not kind_:
            return fail("events.send: kind is required", INVALID)
        path_ = text_arg("events.send", 3, "path", path)
        if not path_:
            return fail("events.send: path is required", INVALID)
        if not security.allowed("events.send", sys_):
            return fail(f"events.send: not allowed to send events to system: {sys_}", INVALID)
        try:
            payload = to_plain(data)
        except ConversionError as exc:
            raise CallError(f"events.send: data cannot be sent: {exc}", kind=INVALID) from None
        bus.publish(Event(sys_, kind_, path_, payload))
        return True, None

    module = lua.table()
    module[b"subscribe"] = subscribe
    module[b"send"] = send
    state.bind("events", module)
