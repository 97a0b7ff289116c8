"""`channel.new/send/receive/close/select` (Wippy globals).

A channel is a Python `Channel` (buffer, waiting senders/receivers) behind a Lua table with a
metatable (`_GLUE` in scheduler/dispatcher.py), so methods can yield through the await wrapper
and channels compare by identity in `select` results. All operations run on the dispatcher
thread; other threads deliver into channels through `Dispatcher.post`.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from ...errors import INVALID, CallError
from ...scheduler.dispatcher import PENDING, current
from ..host_memory import OVERHEAD, HostMemory

if TYPE_CHECKING:
    from ..state import LuaState


class Waiter:
    """A parked task (or select) waiting on one or more channels; completes once."""

    __slots__ = ("done", "complete")

    def __init__(self, complete: Any) -> None:
        self.done = False
        self.complete = complete  # complete(channel_table, value, ok) or raise-style


class Channel:
    __slots__ = ("size", "buf", "closed", "recvq", "sendq", "lua_obj", "account", "held")

    def __init__(self, size: int, account: HostMemory | None = None) -> None:
        self.size = size
        #: buffered values count against the owning state's memory cap (lua/host_memory.py)
        self.account = account
        self.held = 0
        self.buf: deque[Any] = deque()
        self.closed = False
        self.recvq: deque[Waiter] = deque()
        self.sendq: deque[tuple[Waiter, Any]] = deque()
        self.lua_obj: Any = None

    def _live_receiver(self) -> Waiter | None:
        while self.recvq:
            w = self.recvq.popleft()
            if not w.done:
                return w
        return None

    def _live_sender(self) -> tuple[Waiter, Any] | None:
        while self.sendq:
            w, v = self.sendq.popleft()
            if not w.done:
                return w, v
        return None

    # Non-blocking attempts: return (True, result) or (False, None).
    def try_send(self, value: Any) -> bool:
        if self.closed:
            raise CallError("send on closed channel", kind=INVALID)
        w = self._live_receiver()
        if w is not None:
            w.done = True
            w.complete(self, value, True)
            return True
        if len(self.buf) < self.size:
            self._hold(value)
            self.buf.append(value)
            return True
        return False

    def _hold(self, value: Any, force: bool = False) -> None:
        account = self.account
        if account is not None:
            n = _held_size(value)
            if force:
                account.held += n
            else:
                account.charge(n, "a buffered channel value")
            self.held += n

    def _pop(self) -> Any:
        value = self.buf.popleft()
        account = self.account
        if account is not None:
            n = _held_size(value)
            account.credit(n)
            self.held -= n
        return value

    def __del__(self) -> None:
        if self.account is not None and self.held:
            self.account.credit(self.held)

    def try_receive(self) -> tuple[bool, Any, bool]:
        if self.buf:
            value = self._pop()
            s = self._live_sender()
            if s is not None:
                s[0].done = True
                self._hold(s[1], force=True)
                self.buf.append(s[1])
                s[0].complete(self, s[1], True)
            return True, value, True
        s = self._live_sender()
        if s is not None:
            s[0].done = True
            s[0].complete(self, s[1], True)
            return True, s[1], True
        if self.closed:
            return True, None, False
        return False, None, False

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        while (w := self._live_receiver()) is not None:
            w.done = True
            w.complete(self, None, False)
        while (s := self._live_sender()) is not None:
            s[0].done = True
            s[0].complete(self, CallError("send on closed channel", kind=INVALID), None)

    def deliver(self, value: Any) -> None:
        """Put a value in without a sending task (timers, futures): never blocks."""
        if not self.closed and not self.try_send(value):
            self._hold(value, force=True)
            self.buf.append(value)


def _held_size(value: Any) -> int:
    if isinstance(value, (bytes, str)):
        return OVERHEAD + len(value)
    return OVERHEAD


def register(state: LuaState, prims: Any) -> None:
    lua = state.lua

    def new_channel(size: Any = None) -> Any:
        if size is None:
            size = 0
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise CallError("channel.new: size must be a non-negative integer", kind=INVALID)
        return lua_channel(state, Channel(size, state.host_memory))

    def send(ch: Channel, value: Any) -> Any:
        if ch.try_send(value):
            return True
        disp, task = current(state)

        def complete(_c: Channel, v: Any, ok: Any) -> None:
            if isinstance(v, BaseException):
                disp.fail(task, v)
            else:
                disp.resume(task, (True,))

        ch.sendq.append((Waiter(complete), value))
        return PENDING

    def receive(ch: Channel) -> Any:
        ready, value, ok = ch.try_receive()
        if ready:
            return value, ok
        disp, task = current(state)
        ch.recvq.append(Waiter(lambda _c, v, ok: disp.resume(task, (v, ok))))
        return PENDING

    def close(ch: Channel) -> None:
        ch.close()

    def result(ch: Channel, value: Any, ok: bool) -> Any:
        t = lua.table()
        t[b"channel"] = ch.lua_obj
        if value is not None:
            t[b"value"] = value
        t[b"ok"] = ok
        return t

    def select(cases: Any) -> Any:
        parsed: list[tuple[bytes, Channel, Any]] = []
        n = len(cases)
        for i in range(1, n + 1):
            case = cases[i]
            kind = case[b"_case"] if case is not None else None
            ch_obj = case[b"channel"] if kind is not None else None
            py = ch_obj[b"_py"] if ch_obj is not None else None
            if kind not in (b"send", b"receive") or not isinstance(py, Channel):
                raise CallError(f"channel.select: case {i} is not a channel case", kind=INVALID)
            parsed.append((kind, py, case[b"value"] if kind == b"send" else None))
        for kind, ch, value in parsed:
            if kind == b"send":
                if ch.try_send(value):
                    return result(ch, value, True)
            else:
                ready, v, ok = ch.try_receive()
                if ready:
                    return result(ch, v, ok)
        if cases[b"default"]:
            t = lua.table()
            t[b"default"] = True
            t[b"ok"] = True
            return t
        if not parsed:
            raise CallError("channel.select: no cases", kind=INVALID)
        disp, task = current(state)

        def complete(ch: Channel, v: Any, ok: Any) -> None:
            if isinstance(v, BaseException):
                disp.fail(task, v)
            else:
                disp.resume(task, (result(ch, v, ok),))

        waiter = Waiter(complete)
        for kind, ch, value in parsed:
            if kind == b"send":
                ch.sendq.append((waiter, value))
            else:
                ch.recvq.append(waiter)
        return PENDING

    prims[b"ch_new"] = new_channel
    prims[b"ch_send"] = send
    prims[b"ch_receive"] = receive
    prims[b"ch_close"] = close
    prims[b"select"] = select


def lua_channel(state: LuaState, ch: Channel) -> Any:
    """The Lua object for a Python channel (created once, so identity holds)."""
    if ch.lua_obj is None:
        ch.lua_obj = state.async_glue[b"channel_object"](ch)
    return ch.lua_obj
