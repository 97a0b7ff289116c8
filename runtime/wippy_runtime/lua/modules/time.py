"""The `time` module: sleep, timers and tickers, `Time`, `Duration` and `Location` values.

`sleep` parks the calling coroutine on a dispatcher timer (Wippy's "yields"); `after`, `timer`
and `ticker` deliver `Time` values into channels from dispatcher timers. Bad durations return
`nil, err` (kind INVALID) rather than raising, as in Wippy; a wrong argument type to a
function or method (a Lua programming error) raises "bad argument #n to 'name' (...)".

A `Time` is an instant (unix nanoseconds) seen in a `Location`, as Go's `time.Time`: the
calendar fields, `format` and `__tostring` use the wall clock of that location, while `equal`,
`before`, `sub` compare instants. Locations are IANA zones from `zoneinfo` (the `tzdata`
package is a dependency, so no system zone files are needed), fixed offsets, UTC and the host's
local zone. Calendar fields come from the proleptic Gregorian calendar of `datetime`, which
bounds years to 1..9999 (Go allows more); outside that range operations fail with INVALID.
Layouts are Go's reference-time layouts (time_layout.py).
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import time as _time
import zoneinfo
from typing import TYPE_CHECKING, Any

import lupa.lua54 as lupa

from ...errors import INVALID, NOT_FOUND, CallError
from ...scheduler.dispatcher import PENDING, current
from ..exposed import lua_methods
from .channel import Channel, lua_channel
from .errors import LuaErrorValue
from .time_layout import LAYOUTS, LayoutError, Wall, format_wall, parse_text

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000,
          "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000}
_PART = re.compile(r"(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)")

SECOND = 1_000_000_000
#: Go's zero Time (January 1, year 1, 00:00:00 UTC) as unix nanoseconds
ZERO_NS = -62_135_596_800 * SECOND
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()


class DurationError(ValueError):
    pass


def parse_go_duration(text: str) -> int:
    """Go's `time.ParseDuration`: "300ms", "1.5h", "2h45m", "-1s"; "0" alone needs no unit.
    Exact integer arithmetic, as Go (no float rounding of long durations)."""
    s = text.strip()
    if s in ("0", "+0", "-0"):
        return 0
    sign = 1
    if s[:1] in "+-":
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if not s:
        raise DurationError(f'time: invalid duration "{text}"')
    total = 0
    pos = 0
    while pos < len(s):
        m = _PART.match(s, pos)
        whole, frac = (m.group(1), m.group(2) or "") if m else ("", "")
        if not m or not (whole or frac):
            if re.fullmatch(r"[\d.]+", s[pos:]):
                raise DurationError(f'time: missing unit in duration "{text}"')
            raise DurationError(f'time: invalid duration "{text}"')
        unit = _UNITS[m.group(3)]
        total += int(whole or 0) * unit + (int(frac) * unit // 10 ** len(frac) if frac else 0)
        pos = m.end()
    return sign * total


def _trunc_div(a: int, b: int) -> int:
    """Integer division toward zero (Go's), not Python's floor."""
    q = abs(a) // b
    return q if a >= 0 else -q


def format_duration(ns: int) -> str:
    """Go's `Duration.String`: "1h30m0s", "1.5s", "250ms", "1.2µs", "0s"."""
    if ns == 0:
        return "0s"
    sign, u = ("-" if ns < 0 else ""), abs(ns)

    def frac(v: int, digits: int) -> str:
        whole, rest = divmod(v, 10 ** digits)
        tail = f"{rest:0{digits}d}".rstrip("0")
        return f"{whole}.{tail}" if tail else str(whole)

    if u < SECOND:
        if u < 1_000:
            return f"{sign}{u}ns"
        if u < 1_000_000:
            return f"{sign}{frac(u, 3)}µs"
        return f"{sign}{frac(u, 6)}ms"
    secs, rest = divmod(u, SECOND)
    text = frac((secs % 60) * SECOND + rest, 9) + "s"
    minutes = secs // 60
    if minutes:
        text = f"{minutes % 60}m{text}"
        if minutes >= 60:
            text = f"{minutes // 60}h{text}"
    return sign + text


@lua_methods("nanoseconds", "microseconds", "milliseconds", "seconds", "minutes", "hours")
class Duration:
    __slots__ = ("ns",)

    def __init__(self, ns: int) -> None:
        self.ns = ns

    def nanoseconds(self, *_: Any) -> int:
        return self.ns

    def microseconds(self, *_: Any) -> int:
        return _trunc_div(self.ns, 1_000)

    def milliseconds(self, *_: Any) -> int:
        return _trunc_div(self.ns, 1_000_000)

    def seconds(self, *_: Any) -> float:
        return _trunc_div(self.ns, SECOND) + (self.ns - _trunc_div(self.ns, SECOND) * SECOND) / 1e9

    def minutes(self, *_: Any) -> float:
        whole = _trunc_div(self.ns, 60 * SECOND)
        return whole + (self.ns - whole * 60 * SECOND) / 6e10

    def hours(self, *_: Any) -> float:
        whole = _trunc_div(self.ns, 3600 * SECOND)
        return whole + (self.ns - whole * 3600 * SECOND) / 3.6e12

    def __str__(self) -> str:
        return format_duration(self.ns)


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


def _bad_arg(fn: str, n: int, what: str, got: Any) -> CallError:
    return CallError(f"bad argument #{n} to '{fn}' ({what} expected, got {_lua_type(got)})",
                     kind=INVALID)


def _lua_type(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, bytes):
        return "string"
    return lupa.lua_type(value) or type(value).__name__


def _int_arg(fn: str, n: int, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad_arg(fn, n, "number", value)
    return int(value)


def _text_arg(fn: str, n: int, value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # Lua's own coercion of numbers to strings
    raise _bad_arg(fn, n, "string", value)


# -- locations ---------------------------------------------------------------------------

@lua_methods("string")
class Location:
    """A time zone: UTC, a fixed offset, an IANA zone, or the host's local zone."""

    __slots__ = ("name", "tz", "fixed")

    def __init__(self, name: str, tz: _dt.tzinfo | None = None,
                 fixed: int | None = None) -> None:
        self.name = name
        self.tz = tz          # an IANA zone (ZoneInfo); None for fixed offsets and UTC
        self.fixed = fixed    # seconds east of UTC for fixed zones

    def lookup(self, unix_sec: int) -> tuple[str, int]:
        """(abbreviation, offset in seconds east of UTC) in effect at this instant."""
        if self.tz is None:
            return self.name, self.fixed or 0
        try:
            dt = _dt.datetime.fromtimestamp(unix_sec, self.tz)
        except (OverflowError, OSError, ValueError):
            return "UTC", 0
        off = dt.utcoffset()
        return dt.tzname() or "", int(off.total_seconds()) if off is not None else 0

    def string(self, *_: Any) -> bytes:
        return self.name.encode()

    def __str__(self) -> str:
        return self.name


UTC = Location("UTC", fixed=0)


def _local_location() -> Location:
    """The host's zone named "Local" (Go's convention): $TZ, else /etc/localtime, else UTC."""
    key = os.environ.get("TZ")
    try:
        if key is not None:
            key = key.lstrip(":")
            return Location("Local", zoneinfo.ZoneInfo(key)) if key else Location("Local",
                                                                                  fixed=0)
        with open("/etc/localtime", "rb") as fh:
            return Location("Local", zoneinfo.ZoneInfo.from_file(fh))
    except (OSError, ValueError, zoneinfo.ZoneInfoNotFoundError):
        return Location("Local", fixed=0)


LOCAL = _local_location()


def load_location(name: str) -> Location:
    """Go's `time.LoadLocation`: "UTC" and "" are UTC, "Local" the host's zone."""
    if name in ("", "UTC"):
        return UTC
    if name == "Local":
        return LOCAL
    return Location(name, zoneinfo.ZoneInfo(name))


# -- instants ----------------------------------------------------------------------------

def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def wall_to_unix(year: int, month: int, day: int, hour: int, minute: int, second: int,
                 nsec: int, loc: Location) -> int:
    """Go's `time.Date`: out-of-range fields normalize (month 13 is January of the next year,
    day 0 the last of the previous month); returns unix nanoseconds."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    second += nsec // SECOND
    nsec %= SECOND
    try:
        days = _dt.date(year, month, 1).toordinal() - _EPOCH_ORDINAL + day - 1
    except ValueError:
        raise CallError(f"year {year} is out of the supported range 1..9999",
                        kind=INVALID) from None
    wall = days * 86_400 + hour * 3600 + minute * 60 + second
    _, off = loc.lookup(wall)
    unix = wall - off
    _, off2 = loc.lookup(unix)
    if off2 != off:  # the guess crossed a transition: use the offset in effect then
        unix = wall - off2
    return unix * SECOND + nsec


@lua_methods("add", "sub", "add_date", "after", "before", "equal", "format", "format_rfc3339",
             "unix", "unix_nano", "date", "clock", "year", "month", "day", "hour", "minute",
             "second", "nanosecond", "weekday", "year_day", "is_zero", "in_location",
             "location", "utc", "in_local", "round", "truncate")
class Time:
    """An instant (unix nanoseconds) seen from a Location."""

    __slots__ = ("ns", "loc", "_wall")

    def __init__(self, ns: int, loc: Location | None = None) -> None:
        self.ns = ns
        self.loc = loc if loc is not None else LOCAL
        self._wall: Wall | None = None

    def wall(self) -> Wall:
        """Calendar fields in this time's location (computed once)."""
        if self._wall is None:
            sec, nsec = divmod(self.ns, SECOND)
            abbr, off = self.loc.lookup(sec)
            local = sec + off
            days, rem = divmod(local, 86_400)
            try:
                d = _dt.date.fromordinal(days + _EPOCH_ORDINAL)
            except (ValueError, OverflowError):
                raise CallError("time is out of the supported range (years 1..9999)",
                                kind=INVALID) from None
            self._wall = Wall(d.year, d.month, d.day, rem // 3600, rem // 60 % 60, rem % 60,
                              nsec, (d.weekday() + 1) % 7, d.timetuple().tm_yday, abbr, off)
        return self._wall

    def _other(self, fn: str, other: Any) -> Time:
        if not isinstance(other, Time):
            raise _bad_arg(fn, 2, "time", other)
        return other

    def add(self, d: Any = None, *_: Any) -> Time:
        try:
            return Time(self.ns + to_ns(d), self.loc)
        except DurationError as exc:
            raise CallError(f"bad argument #2 to 'add' ({exc})", kind=INVALID) from None

    def sub(self, other: Any = None, *_: Any) -> Duration:
        return Duration(self.ns - self._other("sub", other).ns)

    def add_date(self, years: Any = None, months: Any = None,
                 days: Any = None, *_: Any) -> Time:
        y, m, d = (_int_arg("add_date", i + 2, v) for i, v in enumerate((years, months, days)))
        w = self.wall()
        return Time(wall_to_unix(w.year + y, w.month + m, w.day + d, w.hour, w.minute,
                                 w.second, w.nanosecond, self.loc), self.loc)

    def after(self, other: Any = None, *_: Any) -> bool:
        return self.ns > self._other("after", other).ns

    def before(self, other: Any = None, *_: Any) -> bool:
        return self.ns < self._other("before", other).ns

    def equal(self, other: Any = None, *_: Any) -> bool:
        return self.ns == self._other("equal", other).ns

    def format(self, layout: Any = None, *_: Any) -> bytes:
        return format_wall(_text_arg("format", 2, layout), self.wall()).encode()

    def format_rfc3339(self, *_: Any) -> bytes:
        return format_wall(LAYOUTS["RFC3339"], self.wall()).encode()

    def unix(self, *_: Any) -> int:
        return self.ns // SECOND

    def unix_nano(self, *_: Any) -> int:
        return self.ns

    def date(self, *_: Any) -> tuple[int, int, int]:
        w = self.wall()
        return w.year, w.month, w.day

    def clock(self, *_: Any) -> tuple[int, int, int]:
        w = self.wall()
        return w.hour, w.minute, w.second

    def year(self, *_: Any) -> int:
        return self.wall().year

    def month(self, *_: Any) -> int:
        return self.wall().month

    def day(self, *_: Any) -> int:
        return self.wall().day

    def hour(self, *_: Any) -> int:
        return self.wall().hour

    def minute(self, *_: Any) -> int:
        return self.wall().minute

    def second(self, *_: Any) -> int:
        return self.wall().second

    def nanosecond(self, *_: Any) -> int:
        return self.ns % SECOND

    def weekday(self, *_: Any) -> int:
        return self.wall().weekday

    def year_day(self, *_: Any) -> int:
        return self.wall().yday

    def is_zero(self, *_: Any) -> bool:
        return self.ns == ZERO_NS

    def in_location(self, loc: Any = None, *_: Any) -> Time:
        if not isinstance(loc, Location):
            raise _bad_arg("in_location", 2, "location", loc)
        return Time(self.ns, loc)

    def location(self, *_: Any) -> Location:
        return self.loc

    def utc(self, *_: Any) -> Time:
        return Time(self.ns, UTC)

    def in_local(self, *_: Any) -> Time:
        return Time(self.ns, LOCAL)

    def _duration(self, fn: str, d: Any) -> int:
        if not isinstance(d, Duration):
            raise _bad_arg(fn, 2, "duration", d)
        return d.ns

    def truncate(self, d: Any = None, *_: Any) -> Time:
        """Go's Truncate: a multiple of d since the zero time (not since 1970)."""
        step = self._duration("truncate", d)
        if step <= 0:
            return Time(self.ns, self.loc)
        return Time(self.ns - (self.ns - ZERO_NS) % step, self.loc)

    def round(self, d: Any = None, *_: Any) -> Time:
        """Go's Round: the nearest multiple of d since the zero time; halfway rounds up."""
        step = self._duration("round", d)
        if step <= 0:
            return Time(self.ns, self.loc)
        r = (self.ns - ZERO_NS) % step
        return Time(self.ns - r if r + r < step else self.ns + step - r, self.loc)

    def __str__(self) -> str:
        return format_wall("2006-01-02 15:04:05.999999999 -0700 MST", self.wall())


def _now() -> Time:
    return Time(_time.time_ns())


def parse_time(layout: str, text: str, loc: Location) -> Time:
    """Go's `time.ParseInLocation`: a zone in the text wins; else the time is in `loc`."""
    p = parse_text(layout, text)
    if p.yday >= 0:
        month, day = 1, p.yday
        while month < 12 and day > _days_in_month(p.year, month):
            day -= _days_in_month(p.year, month)
            month += 1
        p.month, p.day = month, day
    if p.day < 1 or p.day > _days_in_month(p.year, p.month):
        raise LayoutError(f'parsing time "{text}": day out of range')
    if p.offset is not None or (p.zone_name is not None and p.zone_name == "UTC"):
        offset = p.offset or 0
        ns = wall_to_unix(p.year, p.month, p.day, p.hour, p.minute, p.second,
                          p.nanosecond, UTC) - offset * SECOND
        if offset == 0 and p.zone_name == "UTC":
            return Time(ns, UTC)
        if loc.lookup(ns // SECOND)[1] == offset:
            return Time(ns, loc)
        return Time(ns, Location(p.zone_name or "", fixed=offset))
    if p.zone_name is not None:
        # An abbreviation the location uses (e.g. "EST" in America/New_York) takes its
        # offset; an unknown one gives a zone of that name at offset 0, as Go does.
        guess = wall_to_unix(p.year, p.month, p.day, p.hour, p.minute, p.second,
                             p.nanosecond, UTC)
        for probe in (guess, guess - 12 * 3600 * SECOND, guess + 12 * 3600 * SECOND):
            abbr, off = loc.lookup(probe // SECOND)
            if abbr == p.zone_name:
                return Time(guess - off * SECOND, loc)
        name = p.zone_name
        offset = 0
        if len(name) > 3 and (name.startswith("GMT") or name[0] in "+-"):
            digits = name[3:] if name.startswith("GMT") else name
            try:
                offset = int(digits[:3]) * 3600
                if len(digits) == 5:
                    offset += (1 if digits[0] == "+" else -1) * int(digits[3:]) * 60
            except ValueError:
                offset = 0
        return Time(guess - offset * SECOND, Location(name, fixed=offset))
    return Time(wall_to_unix(p.year, p.month, p.day, p.hour, p.minute, p.second,
                             p.nanosecond, loc), loc)


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

    def reset(self, d: Any = None, *_: Any) -> bool:
        try:
            ns = to_ns(d)
        except DurationError as exc:
            raise CallError(f"timer:reset: {exc}", kind=INVALID) from None
        if ns <= 0:
            raise CallError("timer:reset: duration must be > 0", kind=INVALID)
        active = self.stop()
        self.ns = ns
        self.fired = False
        self.item = self.disp.call_later(self.ns, self._fire)
        return active


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua

    def invalid(exc: Exception) -> tuple[None, LuaErrorValue]:
        return None, LuaErrorValue(str(exc), INVALID, retryable=False)

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
            raise DurationError("duration must be > 0")
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

    def parse_duration(d: Any = None) -> Any:
        try:
            return Duration(to_ns(d))
        except DurationError as exc:
            return invalid(exc)

    def location_arg(fn: str, n: int, args: tuple[Any, ...]) -> Location:
        if len(args) < n:
            return LOCAL
        loc = args[n - 1]
        if not isinstance(loc, Location):
            raise _bad_arg(fn, n, "location", loc)
        return loc

    def date(*args: Any) -> Time:
        fields = [_int_arg("date", i + 1, args[i] if i < len(args) else None)
                  for i in range(7)]
        loc = location_arg("date", 8, args)
        year, month, day, hour, minute, second, nsec = fields
        return Time(wall_to_unix(year, month, day, hour, minute, second, nsec, loc), loc)

    def unix(sec: Any = None, nsec: Any = 0, *_: Any) -> Time:
        s = _int_arg("unix", 1, sec)
        n = _int_arg("unix", 2, 0 if nsec is None else nsec)
        return Time(s * SECOND + n)

    def parse(*args: Any) -> Any:
        layout = _text_arg("parse", 1, args[0] if args else None)
        text = _text_arg("parse", 2, args[1] if len(args) > 1 else None)
        loc = location_arg("parse", 3, args)
        try:
            return parse_time(layout, text, loc), None
        except LayoutError as exc:
            return None, LuaErrorValue(f"time.parse: {exc}", INVALID, retryable=False)

    def load_location_(name: Any = None, *_: Any) -> Any:
        text = _text_arg("load_location", 1, name)
        if not text:
            return None, LuaErrorValue("empty location name", INVALID, retryable=False)
        try:
            return load_location(text), None
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            return None, LuaErrorValue(f"time.load_location: unknown time zone {text}",
                                       NOT_FOUND, retryable=False)

    def fixed_zone(name: Any = None, offset: Any = None, *_: Any) -> Location:
        return Location(_text_arg("fixed_zone", 1, name),
                        fixed=_int_arg("fixed_zone", 2, offset))

    module = lua.table()
    module[b"sleep"] = state.async_glue[b"wrap"](sleep)
    module[b"now"] = _now
    module[b"date"] = date
    module[b"unix"] = unix
    module[b"parse"] = parse
    module[b"load_location"] = load_location_
    module[b"fixed_zone"] = fixed_zone
    module[b"after"] = after
    module[b"timer"] = timer
    module[b"ticker"] = ticker
    module[b"parse_duration"] = parse_duration
    module[b"utc"] = UTC
    module[b"localtz"] = LOCAL
    for name, ns in (("NANOSECOND", 1), ("MICROSECOND", 1_000), ("MILLISECOND", 1_000_000),
                     ("SECOND", SECOND), ("MINUTE", 60 * SECOND), ("HOUR", 3600 * SECOND)):
        module[name.encode()] = ns
    for name, layout in LAYOUTS.items():
        module[name.encode()] = layout.encode()
    for i, name in enumerate(("JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY",
                              "AUGUST", "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER")):
        module[name.encode()] = i + 1
    for i, name in enumerate(("SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY",
                              "FRIDAY", "SATURDAY")):
        module[name.encode()] = i
    state.bind("time", module)
