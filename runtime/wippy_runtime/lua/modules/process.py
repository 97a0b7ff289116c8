"""The `process` module (wippy-lua-modules §4): identity, spawning, messages, events.

Bound as a global for every Lua entry (Wippy makes `process` a global). The host side lives in
scheduler/processes.py; this module is the receiver side: on the receiving execution's
dispatcher thread it turns deliveries (plain data) into Lua values in its own state and puts
them into the right channel: `process.events()`, `process.listen(topic)` or `process.inbox()`.
Deliveries that arrive before the channel is asked for are kept and handed over then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import INVALID, NOT_FOUND, CallError
from ...scheduler.dispatcher import current
from ...scheduler.processes import (
    CANCEL,
    DEFAULT_MAX_PER_CALLER,
    DEFAULT_MAX_PROCESSES,
    EXIT,
    LINK_DOWN,
    Process,
    ProcessHost,
)
from ..convert import ConversionError, to_lua, to_plain
from ..exposed import lua_methods
from .channel import Channel, lua_channel
from .errors import LuaErrorValue
from .payload import Payload

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState


@lua_methods("topic", "from", "payload")
class Message:
    __slots__ = ("_topic", "_from", "_payload")

    def __init__(self, topic: str, sender: str | None, payload: Payload) -> None:
        self._topic, self._from, self._payload = topic, sender, payload

    def topic(self, *_: Any) -> bytes:
        return self._topic.encode()

    def from_(self, *_: Any) -> bytes | None:
        return self._from.encode() if self._from else None

    def payload(self, *_: Any) -> Payload:
        return self._payload


class _Receiver:
    """Per-PID receiving state (dispatcher thread only)."""

    def __init__(self, state: LuaState) -> None:
        self.state = state
        self.events: Channel | None = None
        self.inbox: Channel | None = None
        self.listeners: dict[str, tuple[Channel, bool]] = {}
        self.early_events: list[dict[str, Any]] = []
        self.early_msgs: list[tuple[str | None, str, list[Any]]] = []


def _receiver(proc: Process) -> _Receiver:
    if proc.module_state is None:
        assert proc.dispatcher is not None
        proc.module_state = _Receiver(proc.dispatcher.state)
    return proc.module_state


def _event_table(lua: Any, ev: dict[str, Any]) -> Any:
    t = lua.table()
    for key in ("kind", "from", "at"):
        if ev.get(key) is not None:
            t[key.encode()] = to_lua(lua, ev[key])
    if "reason" in ev:
        t[b"reason"] = to_lua(lua, ev["reason"])
    result = ev.get("result")
    if result is not None:
        r = lua.table()
        if "error" in result:
            exc = result["error"]
            value = getattr(exc, "error_value", None)
            r[b"error"] = value if value is not None else LuaErrorValue.from_exception(exc)
        else:
            r[b"value"] = to_lua(lua, result.get("value"))
        t[b"result"] = r
    return t


def _on_event(proc: Process, ev: dict[str, Any]) -> None:
    rc = _receiver(proc)
    if rc.events is None:
        rc.early_events.append(ev)
    else:
        rc.events.deliver(_event_table(rc.state.lua, ev))


def _deliver_message(rc: _Receiver, sender: str | None, topic: str, payloads: list[Any]) -> bool:
    lua = rc.state.lua
    value = payloads[0] if payloads else None
    listener = rc.listeners.get(topic)
    if listener is not None:
        ch, as_message = listener
        ch.deliver(Message(topic, sender, Payload(lua, value)) if as_message
                   else to_lua(lua, value))
        return True
    if rc.inbox is not None:
        rc.inbox.deliver(Message(topic, sender, Payload(lua, value)))
        return True
    return False


def _on_message(proc: Process, sender: str | None, topic: str, payloads: list[Any]) -> None:
    rc = _receiver(proc)
    if not _deliver_message(rc, sender, topic, payloads):
        rc.early_msgs.append((sender, topic, payloads))


def host_of(runtime: LuaHost) -> ProcessHost:
    """The runtime's process host (made on first use; one per runtime)."""
    host = runtime.__dict__.get("process_host")
    if host is None:
        host = runtime.__dict__["process_host"] = ProcessHost(runtime)
        host.on_event = _on_event
        host.on_message = _on_message
    return host


def process_limits(data: dict[str, Any]) -> tuple[int, int]:
    """A process.host's (max_processes, max_processes_per_caller), at its root or under
    `host:` / `options:`; 0 means no limit."""
    merged: dict[str, Any] = {}
    for key in ("options", "host"):
        block = data.get(key)
        if isinstance(block, dict):
            merged.update(block)
    merged.update({k: v for k, v in data.items() if k.startswith("max_processes")})
    out = []
    for key, default in (("max_processes", DEFAULT_MAX_PROCESSES),
                         ("max_processes_per_caller", DEFAULT_MAX_PER_CALLER)):
        value = merged.get(key, default)
        out.append(value if isinstance(value, int) and not isinstance(value, bool)
                   and value >= 0 else default)
    return out[0], out[1]


def _text(value: Any) -> str | None:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else None


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua
    host = host_of(runtime)

    def me() -> Process:
        disp, _ = current(state)
        return host.for_dispatcher(disp)

    def pid() -> Any:
        try:
            return me().pid.encode()
        except CallError as exc:
            return None, LuaErrorValue(str(exc), exc.kind)

    def spawner(monitored: bool, linked: bool) -> Any:
        def spawn(entry_id: Any = None, host_id: Any = None, *args: Any) -> Any:
            eid, hid = _text(entry_id), _text(host_id)
            if not eid or not hid:
                return None, LuaErrorValue("process.spawn: entry id and host id must be "
                                           "strings \"namespace:name\"", INVALID)
            definition = runtime.built.get(eid)
            if definition is None or not hasattr(definition, "run"):
                return None, LuaErrorValue(f"{eid}: no such process entry", NOT_FOUND, entry=eid)
            phost = runtime.built.get(hid)
            if phost is None or phost.entry.kind != "process.host":
                return None, LuaErrorValue(f"{hid}: no such process.host", NOT_FOUND, entry=hid)
            calls = runtime.calls
            denied = calls.authorize("process.spawn", eid) if calls.checking() else None
            if denied is not None:
                return None, LuaErrorValue.from_exception(denied)
            try:
                plain = [to_plain(a) for a in args]
            except ConversionError as exc:
                return None, LuaErrorValue(f"process.spawn: bad argument: {exc}", INVALID)
            parent = me() if (monitored or linked) else None
            disp = state.dispatcher
            try:
                proc = host.spawn(definition, hid, plain, parent, monitored, linked,
                                  caller=disp.entry if disp is not None else None,
                                  limits=process_limits(phost.entry.data))
            except CallError as exc:
                return None, LuaErrorValue.from_exception(exc)
            return proc.pid.encode(), None
        return spawn

    def send(dest: Any = None, topic: Any = None, *values: Any) -> Any:
        d, t = _text(dest), _text(topic)
        if not d or not t or t.startswith("@"):
            return None, LuaErrorValue("process.send: a PID and a topic (not starting with "
                                       "'@') are required", INVALID)
        try:
            payloads = [to_plain(v) for v in values]
        except ConversionError as exc:
            return None, LuaErrorValue(f"process.send: {exc}", INVALID)
        calls = runtime.calls
        denied = calls.authorize("process.send", d) if calls.checking() else None
        if denied is not None:
            return None, LuaErrorValue.from_exception(denied)
        sender = state.dispatcher.process.pid if (state.dispatcher and
                                                  state.dispatcher.process) else None
        if not host.send(sender, d, t, payloads):
            return None, LuaErrorValue(f"could not resolve {d}", NOT_FOUND)
        return True

    def flush(rc: _Receiver) -> None:
        early, rc.early_msgs = rc.early_msgs, []
        for sender, topic, payloads in early:
            if not _deliver_message(rc, sender, topic, payloads):
                rc.early_msgs.append((sender, topic, payloads))

    def events() -> Any:
        rc = _receiver(me())
        if rc.events is None:
            rc.events = Channel(64)
            for ev in rc.early_events:
                rc.events.deliver(_event_table(lua, ev))
            rc.early_events.clear()
        return lua_channel(state, rc.events)

    def inbox() -> Any:
        rc = _receiver(me())
        if rc.inbox is None:
            rc.inbox = Channel(64)
            flush(rc)
        return lua_channel(state, rc.inbox)

    def listen(topic: Any = None, opts: Any = None) -> Any:
        t = _text(topic)
        if not t or t.startswith("@"):
            raise CallError("process.listen: topic must be a non-empty string not starting "
                            "with '@'", kind=INVALID)
        rc = _receiver(me())
        as_message = bool(opts is not None and opts[b"message"])
        ch = Channel(64)
        rc.listeners[t] = (ch, as_message)
        flush(rc)
        return lua_channel(state, ch)

    def unlisten(ch: Any = None) -> None:
        rc = _receiver(me())
        py = ch[b"_py"] if ch is not None else None
        for topic, (c, _) in list(rc.listeners.items()):
            if c is py:
                del rc.listeners[topic]

    module = lua.table()
    module[b"pid"] = pid
    module[b"self"] = pid
    module[b"send"] = send
    module[b"spawn"] = spawner(False, False)
    module[b"spawn_monitored"] = spawner(True, False)
    module[b"spawn_linked"] = spawner(False, True)
    module[b"spawn_linked_monitored"] = spawner(True, True)
    module[b"events"] = events
    module[b"inbox"] = inbox
    module[b"listen"] = listen
    module[b"unlisten"] = unlisten
    event = lua.table()
    for name, value in (("EXIT", EXIT), ("LINK_DOWN", LINK_DOWN), ("CANCEL", CANCEL)):
        event[name.encode()] = value.encode()
    module[b"event"] = event
    state.bind("process", module)
