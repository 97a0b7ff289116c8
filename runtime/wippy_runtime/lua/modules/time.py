"""The `time` module (wippy-lua-modules §2): sleep, now, after, timer, ticker, durations.

`sleep` parks the calling coroutine on a dispatcher timer (Wippy's "yields"); `after`, `timer`
and `ticker` deliver `Time` values into channels from dispatcher timers. Bad durations return
`nil, err` (kind INVALID) rather than raising, as in Wippy.
"""

from __future__ import annotations

import datetime as _dt
import re
import time as _time
from typing import TYPE_CHECKING, Any

from ...errors import INVALID
from ...scheduler.dispatcher import PENDING, current
from ..exposed import lua_methods
from .channel import Channel, lua_channel
from .errors import LuaErrorValue

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000,
          "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


class DurationError(ValueError):
    pass


def parse_go_duration(text: str) -> int:
    """Go's `time.ParseDuration`: "300ms", "1.5h", "2h45m", "-1s"; "0" alone needs no unit."""
    s = text.strip()
    if s in ("0", "+0", "-0"):
        return 0
    sign = 1
    if s[:1] in "+-":
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if not s:
        raise DurationError(f'time: invalid duration "{text}"')
    total = 0.0
    pos = 0
    while pos < len(s):
        m = _PART.match(s, pos)
        if not m:
            if re.fullmatch(r"[\d.]+", s[pos:]):
                raise DurationError(f'time: missing unit in duration "{text}"')
            raise DurationError(f'time: invalid duration "{text}"')
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    return sign * int(total)


@lua_methods("nanoseconds", "microseconds", "milliseconds", "seconds", "minutes", "hours")
class Duration:
    __slots__ = ("ns",)

    def __init__(self, ns: int) -> None:
        self.ns = ns

    def nanoseconds(self, *_: Any) -> int:
        return self.ns

    def microseconds(self, *_: Any) -> int:
        return self.ns // 1_000

    def milliseconds(self, *_: Any) -> int:
        return self.ns // 1_000_000

    def seconds(self, *_: Any) -> float:
        return self.ns / 1e9

    def minutes(self, *_: Any) -> float:
        return self.ns / 6e10

    def hours(self, *_: Any) -> float:
        return self.ns / 3.6e12


def to_ns(value: Any) -> int:
    """Any Wippy duration form -> nanoseconds (numbers are ns, floats truncate)."""
    if isinstance(value, Duration):
        return value.ns
    if isinstance(value, bool):
        raise DurationError(f"invalid duration type: {type(value).__name__}")
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, (bytes, str)):
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        return parse_go_duration(text)
    raise DurationError("invalid duration: expected a number (ns), a string like \"50ms\" or "
                        "a Duration")


@lua_methods("unix", "unix_nano", "sub", "add", "before", "after", "equal", "format_rfc3339",
             "is_zero")
class Time:
    __slots__ = ("ns",)

    def __init__(self, ns: int) -> None:
        self.ns = ns

    def unix(self, *_: Any) -> int:
        return self.ns // 1_000_000_000

    def unix_nano(self, *_: Any) -> int:
        return self.ns

    def sub(self, *a: Any) -> Duration:
        return Duration(self.ns - a[-1].ns)

    def add(self, *a: Any) -> Time:
        return Time(self.ns + to_ns(a[-1]))

    def before(self, *a: Any) -> bool:
        return self.ns < a[-1].ns

    def after(self, *a: Any) -> bool:
        return self.ns > a[-1].ns

    def equal(self, *a: Any) -> bool:
        return self.ns == a[-1].ns

    def is_zero(self, *_: Any) -> bool:
        return self.ns == 0

    def format_rfc3339(self, *_: Any) -> bytes:
        dt = _dt.datetime.fromtimestamp(self.ns / 1e9, tz=_dt.UTC)
        return dt.isoformat().replace("+00:00", "Z").encode()


def _now() -> Time:
    return Time(_time.time_ns())


@lua_methods("channel", "response", "stop", "reset")
class Timer:
    """`time.timer(d)` (and the channel behind `time.after`)."""

    def __init__(self, state: LuaState, ns: int, repeat: bool = False) -> None:
        self.state = state
        self.ns = ns
        self.repeat = repeat
        self.ch = Channel(1)
        self.item: Any = None
        self.fired = False
        self._arm()

    def _arm(self) -> None:
        disp, _ = current(self.state)
        self.disp = disp
        self.item = disp.call_later(self.ns, self._fire)

    def _fire(self) -> None:
        self.fired = True
        if self.repeat:
            if not self.ch.buf:  # a slow reader drops ticks, like Go's ticker
                self.ch.deliver(_now())
            self.item = self.disp.call_later(self.ns, self._fire)
        else:
            self.ch.deliver(_now())

    def channel(self, *_: Any) -> Any:
        return lua_channel(self.state, self.ch)

    response = channel

    def stop(self, *_: Any) -> bool:
        stopped = self.item is not None and not (self.fired and not self.repeat)
        if self.item is not None:
            self.disp.cancel_timer(self.item)
            self.item = None
        return stopped

    def reset(self, *a: Any) -> bool:
        active = self.stop()
        self.ns = to_ns(a[-1])
        self.fired = False
        self.item = self.disp.call_later(self.ns, self._fire)
        return active


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua

    def invalid(exc: Exception) -> tuple[None, LuaErrorValue]:
        return None, LuaErrorValue(str(exc), INVALID)

    def sleep(d: Any) -> Any:
        try:
            ns = to_ns(d)
        except DurationError as exc:
            return invalid(exc)
        disp, task = current(state)
        disp.call_later(max(ns, 0), lambda: disp.resume(task, ()))
        return PENDING

    def positive(d: Any) -> int:
        ns = to_ns(d)
        if ns <= 0:
            raise DurationError("duration must be positive")
        return ns

    def after(d: Any) -> Any:
        try:
            return Timer(state, positive(d)).channel()
        except DurationError as exc:
            return invalid(exc)

    def timer(d: Any) -> Any:
        try:
            return Timer(state, positive(d))
        except DurationError as exc:
            return invalid(exc)

    def ticker(d: Any) -> Any:
        try:
            return Timer(state, positive(d), repeat=True)
        except DurationError as exc:
            return invalid(exc)

    def parse_duration(d: Any) -> Any:
        try:
            return Duration(to_ns(d))
        except DurationError as exc:
            return invalid(exc)

    module = lua.table()
    module[b"sleep"] = state.async_glue[b"wrap"](sleep)
    module[b"now"] = _now
    module[b"unix"] = lambda sec, nsec=0: Time(int(sec) * 1_000_000_000 + int(nsec or 0))
    module[b"after"] = after
    module[b"timer"] = timer
    module[b"ticker"] = ticker
    module[b"parse_duration"] = parse_duration
    for name, ns in (("NANOSECOND", 1), ("MICROSECOND", 1_000), ("MILLISECOND", 1_000_000),
                     ("SECOND", 1_000_000_000), ("MINUTE", 60_000_000_000),
                     ("HOUR", 3_600_000_000_000)):
        module[name.encode()] = ns
    state.bind("time", module)
