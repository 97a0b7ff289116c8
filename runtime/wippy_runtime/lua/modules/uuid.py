"""The `uuid` module: v1/v3/v4/v5/v7 generation, validation, parsing and formatting.

Python's `uuid` does v1, v3, v4 and v5 and the parsing. Python 3.11 has no v7 (it arrives in
3.14), so `_uuid7` builds RFC 9562's layout by hand: 48 bits of Unix milliseconds, version 7,
74 random bits. Accepted input forms are Go's `uuid.Parse`: the 36-character form, the same in
braces, `urn:uuid:` prefixed, or 32 bare hex digits. Every failure is `nil, err` with kind
INVALID (INTERNAL for generation), never retryable; `validate` only ever answers true/false.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import uuid as _uuid
from typing import TYPE_CHECKING, Any

from ...errors import INVALID
from ..convert import to_lua
from ._common import build, fail

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

_FORMS = re.compile(
    rb"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|"
    rb"\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}|"
    rb"(?i:urn:uuid:)[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|"
    rb"[0-9a-fA-F]{32}")
_VARIANTS = {_uuid.RFC_4122: "RFC4122", _uuid.RESERVED_MICROSOFT: "Microsoft",
             _uuid.RESERVED_NCS: "NCS", _uuid.RESERVED_FUTURE: "Invalid"}
#: 100-ns intervals between the Gregorian epoch (1582-10-15) and the Unix epoch
_GREGORIAN_OFFSET = 0x01B21DD213814000


def _uuid7() -> _uuid.UUID:
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a, 12 bits
    value |= 0b10 << 62  # RFC variant
    value |= rand & ((1 << 62) - 1)  # rand_b, 62 bits
    return _uuid.UUID(int=value)


def parse_uuid(value: Any) -> _uuid.UUID | None:
    if not isinstance(value, bytes) or not _FORMS.fullmatch(value):
        return None
    return _uuid.UUID(value.decode("ascii"))


def _parsed(value: Any, fn: str) -> tuple[_uuid.UUID | None, Any]:
    if not isinstance(value, bytes):
        return None, fail(f"uuid.{fn}: uuid must be a string", INVALID)
    parsed = parse_uuid(value)
    if parsed is None:
        return None, fail(f"uuid.{fn}: invalid UUID format: {value.decode('utf-8', 'replace')!r}",
                          INVALID)
    return parsed, None


def _named(fn: str, make: Any) -> Any:
    def generate(namespace: Any = None, name: Any = None, *_: Any) -> Any:
        if not isinstance(namespace, bytes):
            return fail(f"uuid.{fn}: namespace must be a string", INVALID)
        if not isinstance(name, bytes):
            return fail(f"uuid.{fn}: name must be a string", INVALID)
        ns = parse_uuid(namespace)
        if ns is None:
            return fail(f"uuid.{fn}: invalid namespace UUID", INVALID)
        return str(make(ns, name)).encode(), None
    return generate


def _v3(ns: _uuid.UUID, name: bytes) -> _uuid.UUID:
    # uuid.uuid3/uuid5 take text names; a Lua name is bytes, hashed as given
    digest = hashlib.md5(ns.bytes + name, usedforsecurity=False).digest()
    return _uuid.UUID(bytes=digest[:16], version=3)


def _v5(ns: _uuid.UUID, name: bytes) -> _uuid.UUID:
    digest = hashlib.sha1(ns.bytes + name, usedforsecurity=False).digest()
    return _uuid.UUID(bytes=digest[:16], version=5)


def _timestamp(u: _uuid.UUID) -> int | None:
    if u.version == 1:
        return (u.time - _GREGORIAN_OFFSET) // 10_000_000
    if u.version == 7:
        return (u.int >> 80) // 1000
    return None


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua

    def validate(value: Any = None, *_: Any) -> bool:
        return parse_uuid(value) is not None

    def version(value: Any = None, *_: Any) -> Any:
        u, bad = _parsed(value, "version")
        return bad if u is None else ((u.int >> 76) & 0xF, None)

    def variant(value: Any = None, *_: Any) -> Any:
        u, bad = _parsed(value, "variant")
        return bad if u is None else (_VARIANTS[u.variant].encode(), None)

    def parse(value: Any = None, *_: Any) -> Any:
        u, bad = _parsed(value, "parse")
        if u is None:
            return bad
        info: dict[str, Any] = {"version": (u.int >> 76) & 0xF, "variant": _VARIANTS[u.variant]}
        ts = _timestamp(u)
        if ts is not None:
            info["timestamp"] = ts
        if u.version == 1:
            info["node"] = f"{u.node:012x}"
        return to_lua(lua, info), None

    def format_(value: Any = None, form: Any = None, *_: Any) -> Any:
        u, bad = _parsed(value, "format")
        if u is None:
            return bad
        kind = b"standard" if form is None else form
        if kind == b"standard":
            return str(u).encode(), None
        if kind == b"simple":
            return u.hex.encode(), None
        if kind == b"urn":
            return u.urn.encode(), None
        shown = kind.decode("utf-8", "replace") if isinstance(kind, bytes) else repr(kind)
        return fail(f"uuid.format: unsupported format {shown!r} (standard, simple or urn)",
                    INVALID)

    state.bind("uuid", build(state, {
        "v1": lambda *_: (str(_uuid.uuid1()).encode(), None),
        "v3": _named("v3", _v3),
        "v4": lambda *_: (str(_uuid.uuid4()).encode(), None),
        "v5": _named("v5", _v5),
        "v7": lambda *_: (str(_uuid7()).encode(), None),
        "validate": validate, "version": version, "variant": variant, "parse": parse,
        "format": format_,
    }))
