"""The `time` module through real Lua: Go layouts, dates in zones, Time and Duration methods,
parse errors and bad arguments."""

from __future__ import annotations

import pytest
from wippy_runtime import Runtime
from wippy_runtime.errors import INVALID, NOT_FOUND, CallError


@pytest.fixture
def rt():
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()


def run(rt: Runtime, body: str, *args):
    """Run `body` as the main function of a fresh function.lua entry with `time`."""
    source = f"return {{ main = function(...)\n{body}\nend }}"
    rt.define({"id": "t:case", "kind": "function.lua", "source": source, "method": "main",
               "modules": ["time"]})
    return rt.call("t:case", *args)


def test_constants_are_gos():
    rt_ = Runtime(cache_dir=False)
    try:
        out = run(rt_, """return { time.RFC3339, time.RFC3339NANO, time.KITCHEN, time.STAMP_MILLI,
          time.DATE_TIME, time.JANUARY, time.DECEMBER, time.SUNDAY, time.SATURDAY, time.HOUR,
          time.utc:string(), time.localtz:string() }""")
    finally:
        rt_.close()
    assert out == ["2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.999999999Z07:00", "3:04PM",
                   "Jan _2 15:04:05.000", "2006-01-02 15:04:05", 1, 12, 0, 6, 3_600_000_000_000,
                   "UTC", "Local"]


@pytest.mark.parametrize(("layout", "expected"), [
    ("Mon Jan 2 15:04:05 MST 2006", "Sun Dec 29 15:04:05 UTC 2024"),
    ("Monday, 02-Jan-06 3:04:05pm", "Sunday, 29-Dec-24 3:04:05pm"),
    ("January _2 2006 03:04 PM", "December 29 2024 03:04 PM"),
    ("2006-01-02T15:04:05.000Z07:00", "2024-12-29T15:04:05.120Z"),
    ("15:04:05.999999999", "15:04:05.12"),
    ("15:04:05,000000", "15:04:05,120000"),
    ("002 __2 1/2", "364 364 12/29"),
    ("-0700 -07:00 -07 Z07:00", "+0000 +00:00 +00 Z"),
    ("_2006", "_2024"),
])
def test_format_uses_go_reference_layouts(rt, layout, expected):
    out = run(rt, f"""local t = time.date(2024, 12, 29, 15, 4, 5, 120000000, time.utc)
      return t:format("{layout}")""")
    assert out == expected


def test_format_in_zones_and_tostring(rt):
    out = run(rt, """
      local t = time.date(2024, 7, 4, 12, 0, 0, 0, time.utc)
      local ny = time.load_location("America/New_York")
      local kolkata = time.fixed_zone("IST", 19800)
      return { tostring(t:in_location(ny)), t:in_location(kolkata):format(time.RFC3339),
               t:in_location(kolkata):format(time.RFC1123), tostring(t:in_location(ny):location()),
               t:in_location(ny):hour(), t:equal(t:in_location(ny)) }""")
    assert out == ["2024-07-04 08:00:00 -0400 EDT", "2024-07-04T17:30:00+05:30",
                   "Thu, 04 Jul 2024 17:30:00 IST", "America/New_York", 8, True]


def test_date_normalizes_and_reads_fields(rt):
    out = run(rt, """
      local t = time.date(2024, 13, 32, 25, 61, 0, 0, time.utc)   -- Feb 2 2025 02:01
      local y, m, d = t:date()
      local h, mi, s = t:clock()
      local leap = time.date(2024, 2, 29, 0, 0, 0, 0, time.utc)
      return { y, m, d, h, mi, s, t:weekday(), t:year_day(), leap:add_date(1, 0, 0):format("2006-01-02"),
               time.date(1970, 1, 1, 0, 0, 1, 5, time.utc):unix(),
               time.date(1970, 1, 1, 0, 0, 0, 5, time.utc):unix_nano(),
               time.unix(1735484645, 0):utc():format(time.DATE_TIME) }""")
    assert out == [2025, 2, 2, 2, 1, 0, 0, 33, "2025-03-01", 1, 5, "2024-12-29 15:04:05"]


def test_arithmetic_round_truncate(rt):
    out = run(rt, """
      local t = time.date(2024, 1, 1, 12, 34, 56, 789000000, time.utc)
      local later = t:add("1h30m")
      return { later:sub(t):minutes(), t:add(time.SECOND):second(), t:add(time.parse_duration("-1s")):second(),
               t:round(time.parse_duration("1s")):format(time.TIME_ONLY),
               t:truncate(time.parse_duration("1m")):format(time.TIME_ONLY),
               t:round(time.parse_duration("1h")):hour(),
               time.date(2024, 1, 1, 0, 0, 0, 500000000, time.utc):round(time.parse_duration("1s")):second(),
               t:before(later), later:after(t), t:is_zero(), t:utc():location():string() }""")
    assert out == [90, 57, 55, "12:34:57", "12:34:00", 13, 1, True, True, False, "UTC"]


def test_parse_layouts_and_zones(rt):
    out = run(rt, """
      local ny = time.load_location("America/New_York")
      local a = time.parse(time.RFC3339, "2024-06-01T10:00:00+02:00")
      local b = time.parse(time.RFC3339NANO, "2024-06-01T10:00:00.5Z")
      local c = time.parse(time.RFC1123, "Mon, 02 Jan 2006 15:04:05 EST", ny)
      local d = time.parse("2006-01-02 15:04:05", "2024-12-29 15:04:05", ny)
      local e = time.parse(time.KITCHEN, "3:04PM", time.utc)
      local f = time.parse("Jan _2 2006", "Feb  3 2021", time.utc)
      local g = time.parse("2006-01-02 15:04:05", "2024-12-29 15:04:05.25", time.utc)
      return { a:utc():format(time.DATE_TIME), a:format("-07:00"), b:nanosecond(),
               b:location():string(), c:unix(), c:location():string(), d:utc():hour(),
               e:hour(), f:format(time.DATE_ONLY), g:nanosecond() }""")
    assert out == ["2024-06-01 08:00:00", "+02:00", 500000000, "UTC", 1136232245,
                   "America/New_York", 20, 15, "2021-02-03", 250000000]


@pytest.mark.parametrize(("layout", "value", "message"), [
    ("2006-01-02", "invalid-date", 'cannot parse "invalid-date" as "2006"'),
    ("2006-01-02", "2024-13-01", "month out of range"),
    ("2006-01-02", "2023-02-29", "day out of range"),
    ("2006-01-02", "2024-01-01 extra", 'extra text: " extra"'),
    ("15:04", "25:00", "hour out of range"),
    ("Jan 2", "Foo 2", 'cannot parse "Foo 2" as "Jan"'),
])
def test_parse_errors_are_invalid_with_gos_message(rt, layout, value, message):
    out = run(rt, f"""local t, err = time.parse("{layout}", "{value}", time.utc)
      return {{ t == nil, err:kind(), err:message(), err:retryable() }}""")
    assert out[0] is True and out[1] == INVALID and out[3] is False
    assert message in out[2]


def test_durations(rt):
    out = run(rt, """
      local d = time.parse_duration("1h30m45.5s")
      return { d:nanoseconds(), d:milliseconds(), d:seconds(), d:minutes(), d:hours(),
               tostring(d), tostring(time.parse_duration("1.5ms")), tostring(time.parse_duration(0)),
               tostring(time.parse_duration(1500)), tostring(time.parse_duration("-2m")),
               tostring(time.parse_duration("1h")), time.parse_duration(time.SECOND):seconds(),
               time.parse_duration("-1500us"):milliseconds() }""")
    assert out == [5445500000000, 5445500, 5445.5, 90.75833333333334, 1.5126388888888889,
                   "1h30m45.5s", "1.5ms", "0s", "1.5µs", "-2m0s", "1h0m0s", 1, -1]


def test_locations_and_their_errors(rt):
    out = run(rt, """
      local loc, err = time.load_location("Europe/Paris")
      local bad, bad_err = time.load_location("Invalid/Location")
      local empty, empty_err = time.load_location("")
      return { loc:string(), err == nil, bad == nil, bad_err:kind(), bad_err:retryable(),
               empty == nil, empty_err:kind(), time.load_location("UTC"):string(),
               time.fixed_zone("EST", -5 * 3600):string() }""")
    assert out == ["Europe/Paris", True, True, NOT_FOUND, False, True, INVALID, "UTC", "EST"]


@pytest.mark.parametrize(("call", "message"), [
    ("time.date(2024, 'x', 1, 0, 0, 0, 0)", "bad argument #2 to 'date' (number expected, got string)"),
    ("time.date(2024, 1, 1, 0, 0, 0, 0, 'UTC')", "bad argument #8 to 'date' (location expected"),
    ("time.now():sub(5)", "bad argument #2 to 'sub' (time expected, got number)"),
    ("time.now():round(1000)", "bad argument #2 to 'round' (duration expected"),
    ("time.now():in_location(nil)", "bad argument #2 to 'in_location' (location expected"),
    ("time.now():add('soon')", "bad argument #2 to 'add' (time: invalid duration \"soon\")"),
    ("time.parse(nil, 'x')", "bad argument #1 to 'parse' (string expected, got nil)"),
    ("time.fixed_zone('X')", "bad argument #2 to 'fixed_zone' (number expected, got nil)"),
    ("time.timer('1s'):reset('soon')", "timer:reset: time: invalid duration \"soon\""),
    ("time.timer('1s'):reset(0)", "timer:reset: duration must be > 0"),
])
def test_bad_arguments_raise_clear_errors(rt, call, message):
    with pytest.raises(CallError) as info:
        run(rt, f"return {call}")
    assert message in str(info.value)
    assert info.value.kind == INVALID


def test_bad_durations_return_invalid(rt):
    out = run(rt, """
      local d, e1 = time.parse_duration("invalid")
      local s, e2 = time.sleep("5 parsecs")
      local t, e3 = time.timer(0)
      local d2, e4 = time.parse_duration({})
      return { d == nil, e1:kind(), e2:kind(), e3:kind(), e4:kind(), e1:retryable() }""")
    assert out == [True, INVALID, INVALID, INVALID, INVALID, False]
