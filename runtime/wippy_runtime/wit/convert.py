"""Plain values (what the Lua host hands over) checked and normalised against WIT types.

The runtime's *plain* value model is: None, bool, int, float, str, bytes (a Lua string that
is not valid UTF-8), list (a Lua sequence), dict (any other Lua table; an empty Lua table is
`{}`), and opaque resource handles.

Lowering is split in two so that every backend shares one validator and one set of error
messages: `lowerer(t)` turns a plain value into a *checked* value, and the backends
(`component_write` for wasmtime components, `canonical_lower` for core modules) turn checked
values into their representation. Checked values are:

==================  ===========================================================
WIT                 checked value
==================  ===========================================================
bool/int/float      bool / int / float (ints range-checked, floats as float)
char, string        str (a single character for char; valid UTF-8)
list<u8>            bytes
list<T>             list of checked T
record, tuple       tuple of checked members, in declaration order
variant/option/     (case_index, checked payload or None); option none is (0, None),
result              some(x) is (1, x); result ok is case 0 and err case 1
enum                case index (int)
flags               bit mask (int), bit i = i-th flag
own/borrow          the handle object
==================  ===========================================================

Decisions (where the plain model leaves room):
- `bool` is never accepted as an integer or float (Lua keeps them apart too).
- A float with an integral value (3.0) is accepted for integer types, because Lua 5.3
  arithmetic easily produces them (`6 / 2`); 3.5, NaN and infinities are errors.
- `bytes` is accepted where a string is expected if it is valid UTF-8.
- A missing record field whose type is `option<T>` is none (Lua tables cannot hold nil).
- A variant case without payload may also be given as its bare name (`"empty"`), and flags
  as an array of names (`{"read", "write"}`) besides the set table `{read = true}`.
- `option<option<T>>` cannot express some(none) in this model; nil always means none.

Errors are `WitValueError`s naming the argument, its WIT type, the path inside the value and
what was received: `argument 1 (users: list<user>): users[2].tags[1]: expected string, got
integer 5`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .errors import WitValueError
from .handles import ResourceHandle
from .plain import describe
from .types import (
    INT_RANGES,
    BorrowType,
    EnumType,
    FlagsType,
    FuncType,
    ListType,
    OptionType,
    OwnType,
    Primitive,
    RecordType,
    ResultType,
    TupleType,
    VariantType,
    WitType,
)
from .visitor import CachingVisitor

__all__ = ["lowerer", "lower_value", "lower_args", "args_lowerer"]

Lowerer = Callable[[Any], Any]


class _Fail(Exception):
    """Raised inside lowerers; containers append their path segment while it unwinds."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.segments: list[str] = []  # innermost first


_MISSING = object()


def _expected(t: WitType | str, value: Any) -> _Fail:
    return _Fail(f"expected {t}, got {describe(value)}")


# ---------------------------------------------------------------------------------------
# lowerers, one specialised closure per type (memoised: types are hashable)


def _int_lowerer(name: str) -> Lowerer:
    lo, hi = INT_RANGES[name]

    def lower(v: Any) -> int:
        if type(v) is int:
            if lo <= v <= hi:
                return v
            raise _Fail(f"value {v} out of range for {name} ({lo}..{hi})")
        if type(v) is float:
            if v.is_integer():
                return lower(int(v))
            raise _Fail(f"expected an integer for {name}, got {describe(v)}")
        if isinstance(v, int) and not isinstance(v, bool):  # int subclasses (e.g. IntEnum)
            return lower(int(v))
        raise _expected(name, v)

    return lower


def _float_lowerer(name: str) -> Lowerer:
    def lower(v: Any) -> float:
        t = type(v)
        if t is float:
            return v
        if t is int:
            return float(v)
        raise _expected(name, v)

    return lower


def _lower_bool(v: Any) -> bool:
    if v is True or v is False:
        return v
    raise _expected("bool", v)


def _lower_string(v: Any) -> str:
    if type(v) is str:
        # A Python str may hold unpaired surrogates (e.g. from surrogateescape), which have
        # no UTF-8 form; refuse them here, with the argument's path, rather than failing
        # later inside the ABI writer. ASCII strings (the common case) skip the check.
        if not v.isascii():
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                raise _Fail("invalid UTF-8 in string (unpaired surrogate)") from None
        return v
    if isinstance(v, (bytes, bytearray)):
        try:
            return bytes(v).decode("utf-8")
        except UnicodeDecodeError:
            raise _Fail("invalid UTF-8 in string") from None
    if isinstance(v, str):
        return str(v)
    raise _expected("string", v)


def _lower_char(v: Any) -> str:
    s = _lower_string(v) if isinstance(v, (str, bytes, bytearray)) else None
    if s is None:
        raise _expected("char", v)
    if len(s) != 1:
        raise _Fail(f"expected a single character (char), got {describe(v)}")
    if 0xD800 <= ord(s) <= 0xDFFF:
        raise _Fail(f"invalid char: surrogate U+{ord(s):04X}")
    return s


def _sparse(t: WitType, v: dict) -> _Fail:
    keys = sorted(v, key=lambda k: (not isinstance(k, int), str(k)))
    shown = ", ".join(map(str, keys[:8])) + (", ..." if len(keys) > 8 else "")
    if all(isinstance(k, int) for k in v):
        return _Fail(f"sparse array (keys {shown}) where {t} expected")
    return _Fail(f"expected {t} (an array), got a table with keys {shown}")


def _list_lowerer(t: ListType) -> Lowerer:
    if t.element == Primitive("u8"):

        def lower_bytes(v: Any) -> bytes:
            if type(v) is bytes:
                return v
            if type(v) is str:
                return v.encode("utf-8")
            if isinstance(v, bytearray):
                return bytes(v)
            if type(v) is dict and not v:
                return b""
            if type(v) is list:  # an array of byte values is fine too
                conv = lowerer(t.element)
                out = []
                for i, x in enumerate(v):
                    try:
                        out.append(conv(x))
                    except _Fail as e:
                        e.segments.append(f"[{i + 1}]")
                        raise
                return bytes(out)
            if type(v) is dict:
                raise _sparse(t, v)
            raise _expected(f"{t} (a string)", v)

        return lower_bytes

    elem = lowerer(t.element)

    def lower(v: Any) -> list:
        if type(v) is not list:
            if type(v) is dict:
                if not v:
                    return []
                raise _sparse(t, v)
            if isinstance(v, (list, tuple)):
                v = list(v)
            else:
                raise _expected(t, v)
        try:
            return [elem(x) for x in v]
        except _Fail as e:
            for i, x in enumerate(v):  # slow path only to find the failing index
                try:
                    elem(x)
                except _Fail:
                    e.segments.append(f"[{i + 1}]")
                    break
            raise

    return lower


def _record_lowerer(t: RecordType) -> Lowerer:
    fields = [(f.name, lowerer(f.type), isinstance(f.type, OptionType)) for f in t.fields]
    names = frozenset(f.name for f in t.fields)
    count = len(fields)
    # records read from a component carry no type name (their name is the placeholder)
    label = "record" if t.name in ("", "record") else f"record {t.name}"

    def lower(v: Any) -> tuple:
        if type(v) is not dict:
            raise _expected(f"{label} (a table)", v)
        out = []
        get = v.get
        for name, conv, optional in fields:
            x = get(name, _MISSING)
            if x is _MISSING or x is None:
                if optional:
                    out.append((0, None))
                    continue
                raise _Fail(f'missing field "{name}"')
            try:
                out.append(conv(x))
            except _Fail as e:
                e.segments.append(f".{name}")
                raise
        if len(v) != count:
            extra = [k for k in v if k not in names]
            if extra:
                shown = ", ".join(f'"{k}"' for k in extra[:5])
                raise _Fail(f"unknown field {shown}" if len(extra) == 1
                            else f"unknown fields {shown}")
        return tuple(out)

    return lower


def _tuple_lowerer(t: TupleType) -> Lowerer:
    convs = [lowerer(e) for e in t.elements]
    n = len(convs)

    def lower(v: Any) -> tuple:
        if type(v) is dict and not v:
            v = []
        if type(v) not in (list, tuple):
            raise _expected(f"{t} (an array)", v)
        if len(v) != n:
            raise _Fail(f"expected {t} with {n} items, got {describe(v)}")
        out = []
        for i, (conv, x) in enumerate(zip(convs, v, strict=True)):
            try:
                out.append(conv(x))
            except _Fail as e:
                e.segments.append(f"[{i + 1}]")
                raise
        return tuple(out)

    return lower


def _case_lowerer(t: WitType, kind: str, cases: list[tuple[str, WitType | None]]) -> Lowerer:
    """Variants and nested results: a table with exactly one case key."""
    index = {name: (i, None if ct is None else lowerer(ct)) for i, (name, ct) in
             enumerate(cases)}
    listing = ", ".join(name for name, _ in cases)

    def lower(v: Any) -> tuple:
        if type(v) is dict and len(v) == 1:
            ((name, payload),) = v.items()
        elif type(v) is str and v in index and index[v][1] is None:
            name, payload = v, True
        else:
            raise _Fail(
                f"expected {t} (a table with exactly one of {listing}), got {describe(v)}"
            )
        entry = index.get(name)
        if entry is None:
            raise _Fail(f'unknown {kind} case "{name}" (expected one of {listing})')
        i, conv = entry
        if conv is None:
            if payload is not True and payload is not None and payload != {}:
                raise _Fail(f'case "{name}" of {t} has no payload, got {describe(payload)}')
            return (i, None)
        try:
            return (i, conv(payload))
        except _Fail as e:
            e.segments.append(f".{name}")
            raise

    return lower


def _option_lowerer(t: OptionType) -> Lowerer:
    inner = lowerer(t.inner)

    def lower(v: Any) -> tuple:
        if v is None:
            return (0, None)
        return (1, inner(v))

    return lower


def _enum_lowerer(t: EnumType) -> Lowerer:
    index = {name: i for i, name in enumerate(t.cases)}
    listing = ", ".join(t.cases)

    def lower(v: Any) -> int:
        if type(v) is not str:
            raise _expected(f"{t} (one of {listing})", v)
        i = index.get(v)
        if i is None:
            raise _Fail(f'unknown enum case "{v}" (expected one of {listing})')
        return i

    return lower


def _flags_lowerer(t: FlagsType) -> Lowerer:
    bits = {name: 1 << i for i, name in enumerate(t.names)}
    listing = ", ".join(t.names)

    def lower(v: Any) -> int:
        mask = 0
        if type(v) is dict:
            for name, on in v.items():
                bit = bits.get(name)
                if bit is None:
                    raise _Fail(f'unknown flag "{name}" (expected some of {listing})')
                if on is True:
                    mask |= bit
                elif on is not False:
                    raise _Fail(f'flag "{name}" must be true or false, got {describe(on)}')
            return mask
        if type(v) in (list, set, frozenset, tuple):
            for name in v:
                bit = bits.get(name) if isinstance(name, str) else None
                if bit is None:
                    raise _Fail(f'unknown flag {describe(name)} (expected some of {listing})')
                mask |= bit
            return mask
        raise _expected(f"{t} (a set table)", v)

    return lower


def _handle_lowerer(t: OwnType | BorrowType) -> Lowerer:
    res = t.resource

    def lower(v: Any) -> ResourceHandle:
        if isinstance(v, ResourceHandle) and v.resource.name == res.name:
            return v
        raise _expected(f"{t} (a {res.name} handle)", v)

    return lower


_PRIM_LOWERERS: dict[str, Lowerer] = {
    "bool": _lower_bool,
    "char": _lower_char,
    "string": _lower_string,
    "f32": _float_lowerer("f32"),
    "f64": _float_lowerer("f64"),
    **{name: _int_lowerer(name) for name in INT_RANGES},
}


class _Lowerers(CachingVisitor[Lowerer]):
    __slots__ = ()

    def visit_primitive(self, t: Primitive) -> Lowerer:
        return _PRIM_LOWERERS[t.name]

    def visit_list(self, t: ListType) -> Lowerer:
        return _list_lowerer(t)

    def visit_record(self, t: RecordType) -> Lowerer:
        return _record_lowerer(t)

    def visit_tuple(self, t: TupleType) -> Lowerer:
        return _tuple_lowerer(t)

    def visit_option(self, t: OptionType) -> Lowerer:
        return _option_lowerer(t)

    def visit_result(self, t: ResultType) -> Lowerer:
        return _case_lowerer(t, "result", [("ok", t.ok), ("err", t.err)])

    def visit_variant(self, t: VariantType) -> Lowerer:
        return _case_lowerer(t, "variant", [(c.name, c.type) for c in t.cases])

    def visit_enum(self, t: EnumType) -> Lowerer:
        return _enum_lowerer(t)

    def visit_flags(self, t: FlagsType) -> Lowerer:
        return _flags_lowerer(t)

    def visit_handle(self, t: OwnType | BorrowType) -> Lowerer:
        return _handle_lowerer(t)


#: `lowerer(t)`: a function checking a plain value against `t` and returning the checked
#: value. It raises an internal exception; use `lower_value`/`args_lowerer` for
#: `WitValueError`s.
lowerer: Callable[[WitType], Lowerer] = _Lowerers()


def _error(e: _Fail, t: WitType, root: str, prefix: str, **info: Any) -> WitValueError:
    path = root + "".join(reversed(e.segments))
    where = f"{path}: " if e.segments else ""
    return WitValueError(f"{prefix}{where}{e.reason}", reason=e.reason, path=path, wit_type=t,
                         **info)


def lower_value(t: WitType, value: Any, name: str = "value") -> Any:
    """Check one plain value against `t`; raise `WitValueError` naming `name` on mismatch."""
    try:
        return lowerer(t)(value)
    except _Fail as e:
        raise _error(e, t, name, f"{name} ({t}): ") from None


def args_lowerer(func: FuncType) -> Callable[[Sequence[Any]], list]:
    """A function checking a call's plain arguments against `func`'s parameters.

    Built once per signature, so a call pays no per-type lookup. Missing trailing arguments
    are accepted when their type is an option (Lua drops trailing nils); otherwise the count
    must match. Raises `WitValueError` naming the argument.
    """
    params = func.params
    n = len(params)
    steps = [(lowerer(p.type), p, f"argument {i + 1} ({p.name}: {p.type}): ")
             for i, p in enumerate(params)]
    # how many trailing parameters may be left out
    optional_tail = 0
    for p in reversed(params):
        if not isinstance(p.type, OptionType):
            break
        optional_tail += 1

    def lower(args: Sequence[Any]) -> list:
        if len(args) != n:
            if len(args) > n or len(args) < n - optional_tail:
                raise WitValueError(f"expected {n} argument{'s' if n != 1 else ''}, "
                                    f"got {len(args)}")
            args = list(args) + [None] * (n - len(args))
        out = []
        for i, (conv, p, prefix) in enumerate(steps):
            try:
                out.append(conv(args[i]))
            except _Fail as e:
                raise _error(e, p.type, p.name, prefix, param=p.name, index=i + 1) from None
        return out

    return lower


def lower_args(func: FuncType, args: Sequence[Any]) -> list:
    """Check a call's plain arguments against the function's parameters (see `args_lowerer`;
    callers that call the same signature repeatedly should build that once)."""
    return args_lowerer(func)(args)
