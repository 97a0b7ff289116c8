"""The `base64` module: standard (padded) Base64 with Go's strict decoding.

`encode`/`decode` return the string alone; a non-string argument or undecodable input
returns `nil, err` (kind INVALID) whose message, like Go's, says "illegal base64 data at input
byte N" (the position Python's strict decoder gives is not tracked, so N is the first byte
outside the alphabet, or the length when only the padding is wrong).
"""

from __future__ import annotations

import binascii
from typing import TYPE_CHECKING, Any

from ...errors import INVALID
from ._common import build, fail

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def encode(data: Any = None, *_: Any) -> Any:
    if not isinstance(data, bytes):
        return fail("string expected", INVALID)
    return binascii.b2a_base64(data, newline=False)


def decode(data: Any = None, *_: Any) -> Any:
    if not isinstance(data, bytes):
        return fail("string expected", INVALID)
    if not data:
        return b""
    try:
        if len(data) % 4:
            raise binascii.Error("incorrect padding")
        return binascii.a2b_base64(data, strict_mode=True)
    except binascii.Error:
        pos = next((i for i, b in enumerate(data) if b not in _ALPHABET), len(data))
        return fail(f"decode failed: illegal base64 data at input byte {pos}", INVALID)


def install(state: LuaState, runtime: LuaHost) -> None:
    state.bind("base64", build(state, {"encode": encode, "decode": decode}))
