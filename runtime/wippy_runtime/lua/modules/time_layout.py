"""Go reference-time layouts ("2006-01-02T15:04:05Z07:00") for `Time:format` and `time.parse`.

Wippy code writes layouts the Go way: a layout is the reference time Mon Jan 2 15:04:05 MST 2006
written in the wanted form. Python's `strftime` directives cannot express them (no trimmed
fractions, no `_2`, no `Z07:00`), and no maintained library implements them, so the layout
language is implemented here by hand: a tokenizer that splits a layout into literal text and
elements, a formatter, and a parser that reports errors with Go's wording (callers match on
text like `cannot parse "x" as "2006"`). Calendar arithmetic and zone lookups stay in time.py;
this module only maps between wall-clock fields and text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

LONG_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")
SHORT_MONTHS = tuple(m[:3] for m in LONG_MONTHS)
LONG_DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
SHORT_DAYS = tuple(d[:3] for d in LONG_DAYS)

#: Go's named layouts, under the constant names Wippy's `time` module exports
LAYOUTS = {
    "LAYOUT": "01/02 03:04:05PM '06 -0700",
    "ANSIC": "Mon Jan _2 15:04:05 2006",
    "UNIX_DATE": "Mon Jan _2 15:04:05 MST 2006",
    "RUBY_DATE": "Mon Jan 02 15:04:05 -0700 2006",
    "RFC822": "02 Jan 06 15:04 MST",
    "RFC822Z": "02 Jan 06 15:04 -0700",
    "RFC850": "Monday, 02-Jan-06 15:04:05 MST",
    "RFC1123": "Mon, 02 Jan 2006 15:04:05 MST",
    "RFC1123Z": "Mon, 02 Jan 2006 15:04:05 -0700",
    "RFC3339": "2006-01-02T15:04:05Z07:00",
    "RFC3339NANO": "2006-01-02T15:04:05.999999999Z07:00",
    "KITCHEN": "3:04PM",
    "STAMP": "Jan _2 15:04:05",
    "STAMP_MILLI": "Jan _2 15:04:05.000",
    "STAMP_MICRO": "Jan _2 15:04:05.000000",
    "STAMP_NANO": "Jan _2 15:04:05.000000000",
    "DATE_TIME": "2006-01-02 15:04:05",
    "DATE_ONLY": "2006-01-02",
    "TIME_ONLY": "15:04:05",
}

# Element codes. Zone elements: "Z..." print "Z" for UTC (ISO 8601), "-..." always print digits.
_ZONES = ("-070000", "-07:00:00", "-0700", "-07:00", "-07")
_ISO_ZONES = ("Z070000", "Z07:00:00", "Z0700", "Z07:00", "Z07")


class Wall(NamedTuple):
    """A time as a wall clock in some zone: what formatting needs."""

    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int
    nanosecond: int
    weekday: int  # 0 = Sunday
    yday: int  # 1..366
    abbr: str
    offset: int  # seconds east of UTC


@dataclass
class Parsed:
    """What `parse` read from the text; unset fields keep Go's defaults."""

    year: int = 1
    month: int = 1
    day: int = 1
    hour: int = 0
    minute: int = 0
    second: int = 0
    nanosecond: int = 0
    yday: int = -1
    offset: int | None = None  # a numeric zone was given (or "Z")
    zone_name: str | None = None  # an abbreviation was given ("MST", "UTC")


class LayoutError(ValueError):
    """A value does not match its layout (the message is Go's)."""


def _lower_start(s: str) -> bool:
    return bool(s) and "a" <= s[0] <= "z"


def tokens(layout: str) -> list[tuple[str, str]]:
    """Split a layout into ("lit", text) and ("std", element) pieces, left to right."""
    out: list[tuple[str, str]] = []
    lit_start = 0
    i, n = 0, len(layout)

    def emit(end: int, elem: str, length: int) -> int:
        if end > lit_start:
            out.append(("lit", layout[lit_start:end]))
        out.append(("std", elem))
        return end + length

    while i < n:
        c, rest = layout[i], layout[i:]
        elem = None
        if c == "J" and rest.startswith("Jan"):
            if rest.startswith("January"):
                elem = "January"
            elif not _lower_start(rest[3:]):
                elem = "Jan"
        elif c == "M" and rest.startswith("Mon"):
            if rest.startswith("Monday"):
                elem = "Monday"
            elif not _lower_start(rest[3:]):
                elem = "Mon"
        elif c == "M" and rest.startswith("MST"):
            elem = "MST"
        elif c == "0" and len(rest) >= 2 and "1" <= rest[1] <= "6":
            elem = rest[:2]
        elif c == "0" and rest.startswith("002"):
            elem = "002"
        elif c == "1":
            elem = "15" if rest.startswith("15") else "1"
        elif c == "2":
            elem = "2006" if rest.startswith("2006") else "2"
        elif c == "_" and rest.startswith("_2"):
            if rest.startswith("_2006"):  # a literal "_" then the year
                i += 1
                continue
            elem = "_2"
        elif c == "_" and rest.startswith("__2"):
            elem = "__2"
        elif c in "345":
            elem = c
        elif c == "P" and rest.startswith("PM"):
            elem = "PM"
        elif c == "p" and rest.startswith("pm"):
            elem = "pm"
        elif c == "-":
            elem = next((z for z in _ZONES if rest.startswith(z)), None)
        elif c == "Z":
            elem = next((z for z in _ISO_ZONES if rest.startswith(z)), None)
        elif c in ".," and len(rest) >= 2 and rest[1] in "09":
            j = 1
            while j < len(rest) and rest[j] == rest[1]:
                j += 1
            if not (j < len(rest) and rest[j].isdigit()):
                elem = rest[:j]
        if elem is None:
            i += 1
            continue
        i = lit_start = emit(i, elem, len(elem))
    if lit_start < n:
        out.append(("lit", layout[lit_start:]))
    return out


def _zone_text(elem: str, offset: int) -> str:
    if elem[0] == "Z" and offset == 0:
        return "Z"
    sign = "-" if offset < 0 else "+"
    off = abs(offset)
    hh, mm, ss = off // 3600, off // 60 % 60, off % 60
    body = elem[1:]  # "070000", "07:00:00", "0700", "07:00", "07"
    if body == "07":
        return f"{sign}{hh:02d}"
    colon = ":" if ":" in body else ""
    text = f"{sign}{hh:02d}{colon}{mm:02d}"
    if len(body.replace(":", "")) == 6:
        text += f"{colon}{ss:02d}"
    return text


def format_wall(layout: str, w: Wall) -> str:
    parts: list[str] = []
    for kind, text in tokens(layout):
        if kind == "lit":
            parts.append(text)
            continue
        e = text
        if e == "2006":
            parts.append(f"{w.year:04d}" if w.year >= 0 else f"-{-w.year:04d}")
        elif e == "06":
            parts.append(f"{w.year % 100:02d}")
        elif e == "January":
            parts.append(LONG_MONTHS[w.month - 1])
        elif e == "Jan":
            parts.append(SHORT_MONTHS[w.month - 1])
        elif e == "1":
            parts.append(str(w.month))
        elif e == "01":
            parts.append(f"{w.month:02d}")
        elif e == "Monday":
            parts.append(LONG_DAYS[w.weekday])
        elif e == "Mon":
            parts.append(SHORT_DAYS[w.weekday])
        elif e == "2":
            parts.append(str(w.day))
        elif e == "_2":
            parts.append(f"{w.day:2d}")
        elif e == "02":
            parts.append(f"{w.day:02d}")
        elif e == "__2":
            parts.append(f"{w.yday:3d}")
        elif e == "002":
            parts.append(f"{w.yday:03d}")
        elif e == "15":
            parts.append(f"{w.hour:02d}")
        elif e in ("3", "03"):
            h12 = w.hour % 12 or 12
            parts.append(str(h12) if e == "3" else f"{h12:02d}")
        elif e in ("4", "04"):
            parts.append(str(w.minute) if e == "4" else f"{w.minute:02d}")
        elif e in ("5", "05"):
            parts.append(str(w.second) if e == "5" else f"{w.second:02d}")
        elif e in ("PM", "pm"):
            ampm = "PM" if w.hour >= 12 else "AM"
            parts.append(ampm if e == "PM" else ampm.lower())
        elif e == "MST":
            parts.append(w.abbr if w.abbr else _zone_text("-0700", w.offset))
        elif e in _ZONES or e in _ISO_ZONES:
            parts.append(_zone_text(e, w.offset))
        else:  # fractional seconds: ".000" fixed width, ".999" trailing zeros trimmed
            digits = f"{w.nanosecond:09d}"[: len(e) - 1]
            if e[1] == "9":
                digits = digits.rstrip("0")
                if digits:
                    parts.append(e[0] + digits)
            else:
                parts.append(e[0] + digits)
    return "".join(parts)


def _num(value: str, fixed: bool, width: int = 2) -> tuple[int, str] | None:
    """Go's getnum: 1..width digits (exactly `width` when fixed)."""
    j = 0
    while j < width and j < len(value) and value[j].isdigit():
        j += 1
    if j == 0 or (fixed and j < width):
        return None
    return int(value[:j]), value[j:]


def _lookup_name(value: str, names: tuple[str, ...]) -> tuple[int, str] | None:
    for idx, name in enumerate(names):
        if value[: len(name)].lower() == name.lower():
            return idx, value[len(name):]
    return None


def _zone_abbr_len(value: str) -> int:
    """How many characters of `value` are a zone abbreviation (0: none), as Go accepts them."""
    if len(value) < 3:
        return 0
    if value.startswith(("ChST", "MeST")):
        return 4
    if value.startswith("GMT"):
        j = 3
        if j < len(value) and value[j] in "+-":
            k = j + 1
            while k < len(value) and value[k].isdigit():
                k += 1
            if k > j + 1:
                return k
        return 3
    if value[0] in "+-":  # "+03", "-0530": numeric abbreviations
        k = 1
        while k < len(value) and value[k].isdigit():
            k += 1
        return k if k in (3, 5) else 0
    upper = 0
    while upper < min(len(value), 6) and "A" <= value[upper] <= "Z":
        upper += 1
    if upper == 3:
        return 3
    if upper == 4 and (value[3] == "T" or value.startswith("WITA")):
        return 4
    if upper == 5 and value[4] == "T":
        return 5
    return 0


def _skip(value: str, literal: str) -> str | None:
    """Match literal text; a run of spaces matches any run of spaces."""
    while literal:
        if literal[0] == " ":
            if value and value[0] != " ":
                return None
            literal, value = literal.lstrip(" "), value.lstrip(" ")
            continue
        if not value or value[0] != literal[0]:
            return None
        literal, value = literal[1:], value[1:]
    return value


def parse_text(layout: str, text: str) -> Parsed:
    """Read `text` by `layout`; LayoutError with Go's message when it does not match."""
    p = Parsed()
    value = text
    pm: bool | None = None
    pieces = tokens(layout)

    def bad(elem_value: str, elem: str) -> LayoutError:
        return LayoutError(f'parsing time "{text}" as "{layout}": cannot parse '
                           f'"{elem_value}" as "{elem}"')

    def out_of_range(what: str) -> LayoutError:
        return LayoutError(f'parsing time "{text}": {what} out of range')

    for idx, (kind, e) in enumerate(pieces):
        if kind == "lit":
            rest = _skip(value, e)
            if rest is None:
                raise bad(value, e)
            value = rest
            continue
        before = value
        got: tuple[int, str] | None = None
        if e == "2006":
            if len(value) < 4 or not value[:4].isdigit():
                raise bad(before, e)
            p.year, value = int(value[:4]), value[4:]
            continue
        if e == "06":
            got = _num(value, True)
            if got is None:
                raise bad(before, e)
            p.year = got[0] + (1900 if got[0] >= 69 else 2000)
        elif e in ("January", "Jan"):
            got = _lookup_name(value, LONG_MONTHS if e == "January" else SHORT_MONTHS)
            if got is None:
                raise bad(before, e)
            p.month = got[0] + 1
        elif e in ("1", "01"):
            got = _num(value, e == "01")
            if got is None:
                raise bad(before, e)
            if not 1 <= got[0] <= 12:
                raise out_of_range("month")
            p.month = got[0]
        elif e in ("Monday", "Mon"):  # read and ignored, as in Go
            got = _lookup_name(value, LONG_DAYS if e == "Monday" else SHORT_DAYS)
            if got is None:
                raise bad(before, e)
        elif e in ("2", "_2", "02"):
            if e == "_2" and value[:1] == " ":
                value = value[1:]
            got = _num(value, e == "02")
            if got is None:
                raise bad(before, e)
            p.day = got[0]
        elif e in ("__2", "002"):
            if e == "__2":
                value = value.lstrip(" ") if len(value) - len(value.lstrip(" ")) <= 2 else value
            got = _num(value, e == "002", 3)
            if got is None:
                raise bad(before, e)
            if not 1 <= got[0] <= 366:
                raise out_of_range("day-of-year")
            p.yday = got[0]
        elif e == "15":
            got = _num(value, False)
            if got is None:
                raise bad(before, e)
            if got[0] > 23:
                raise out_of_range("hour")
            p.hour = got[0]
        elif e in ("3", "03"):
            got = _num(value, e == "03")
            if got is None:
                raise bad(before, e)
            if got[0] > 12:
                raise out_of_range("hour")
            p.hour = got[0]
        elif e in ("4", "04", "5", "05"):
            got = _num(value, len(e) == 2)
            if got is None:
                raise bad(before, e)
            if got[0] > 59:
                raise out_of_range("minute" if e[-1] == "4" else "second")
            if e[-1] == "4":
                p.minute = got[0]
            else:
                p.second = got[0]
                value = got[1]
                # A fraction the layout does not mention is still read after seconds.
                nxt = pieces[idx + 1] if idx + 1 < len(pieces) else None
                if (len(value) >= 2 and value[0] in ".," and value[1].isdigit()
                        and not (nxt and nxt[0] == "std" and nxt[1][0] in ".,")):
                    j = 1
                    while j < len(value) and value[j].isdigit():
                        j += 1
                    p.nanosecond = int((value[1:j] + "000000000")[:9])
                    value = value[j:]
                continue
        elif e in ("PM", "pm"):
            word = value[:2]
            expect = ("PM", "AM") if e == "PM" else ("pm", "am")
            if word not in expect:
                raise bad(before, e)
            pm = word == expect[0]
            value = value[2:]
            continue
        elif e in _ZONES or e in _ISO_ZONES:
            if e[0] == "Z" and value[:1] == "Z":
                p.offset, p.zone_name = 0, "UTC"
                value = value[1:]
                continue
            body = e[1:]
            colon = ":" in body
            want_ss = len(body.replace(":", "")) == 6
            short = body == "07"
            if value[:1] not in ("+", "-"):
                raise bad(before, e)
            sign = -1 if value[0] == "-" else 1
            rest = value[1:]
            hh = _num(rest, True)
            if hh is None:
                raise bad(before, e)
            secs, rest = hh[0] * 3600, hh[1]
            if not short:
                if colon:
                    if rest[:1] != ":":
                        raise bad(before, e)
                    rest = rest[1:]
                mm = _num(rest, True)
                if mm is None:
                    raise bad(before, e)
                secs, rest = secs + mm[0] * 60, mm[1]
                if want_ss:
                    if colon:
                        if rest[:1] != ":":
                            raise bad(before, e)
                        rest = rest[1:]
                    ss = _num(rest, True)
                    if ss is None:
                        raise bad(before, e)
                    secs, rest = secs + ss[0], ss[1]
            p.offset = sign * secs
            value = rest
            continue
        elif e == "MST":
            n = _zone_abbr_len(value)
            if n == 0:
                raise bad(before, e)
            p.zone_name, value = value[:n], value[n:]
            continue
        else:  # fractional seconds
            if e[1] == "0":
                width = len(e) - 1
                frac = value[1:1 + width]
                if value[:1] not in ".," or len(frac) < width or not frac.isdigit():
                    raise bad(before, e)
                p.nanosecond = int((frac + "000000000")[:9])
                value = value[1 + width:]
            elif len(value) >= 2 and value[0] in ".," and value[1].isdigit():
                j = 1
                while j < len(value) and value[j].isdigit():
                    j += 1
                p.nanosecond = int((value[1:j] + "000000000")[:9])
                value = value[j:]
            continue
        assert got is not None
        value = got[1]
    if value:
        raise LayoutError(f'parsing time "{text}": extra text: "{value}"')
    if pm is not None:
        if pm and p.hour < 12:
            p.hour += 12
        elif not pm and p.hour == 12:
            p.hour = 0
    return p
