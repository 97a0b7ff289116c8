"""The `hash` module: digests (md5, sha1, sha256, sha512), HMACs and FNV-1 hashes.

Digests come from `hashlib`/`hmac`, hex by default and raw bytes with `raw = true`. A
non-string argument returns `nil, err` (kind INVALID), as in Wippy. FNV-1 (not FNV-1a, which
is what Go's `hash/fnv` New32/New64 are) has no stdlib implementation; it is the two-line loop
below. `fnv64` is a Lua float, as the real module's number conversion makes it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ...errors import INVALID
from ._common import build, fail

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

_FNV32 = (0x811C9DC5, 0x01000193, 0xFFFFFFFF)
_FNV64 = (0xCBF29CE484222325, 0x100000001B3, 0xFFFFFFFFFFFFFFFF)


def fnv1(data: bytes, params: tuple[int, int, int]) -> int:
    """FNV-1: multiply, then xor each byte."""
    h, prime, mask = params
    for byte in data:
        h = ((h * prime) & mask) ^ byte
    return h


def _truthy(value: Any) -> bool:
    """Lua truth: everything but nil and false (0 and "" are true)."""
    return value is not None and value is not False


def _digest(algorithm: str) -> Callable[..., Any]:
    def digest(data: Any = None, raw: Any = None, *_: Any) -> Any:
        if not isinstance(data, bytes):
            return fail("data must be a string", INVALID)
        h = hashlib.new(algorithm, data)
        return (h.digest() if _truthy(raw) else h.hexdigest().encode()), None
    return digest


def _hmac(algorithm: str) -> Callable[..., Any]:
    def mac(data: Any = None, secret: Any = None, raw: Any = None, *_: Any) -> Any:
        if not isinstance(data, bytes):
            return fail("data must be a string", INVALID)
        if not isinstance(secret, bytes):
            return fail("secret must be a string", INVALID)
        h = hmac.new(secret, data, algorithm)
        return (h.digest() if _truthy(raw) else h.hexdigest().encode()), None
    return mac


def fnv32(data: Any = None, *_: Any) -> Any:
    if not isinstance(data, bytes):
        return fail("data must be a string", INVALID)
    return fnv1(data, _FNV32), None


def fnv64(data: Any = None, *_: Any) -> Any:
    if not isinstance(data, bytes):
        return fail("data must be a string", INVALID)
    return float(fnv1(data, _FNV64)), None


def install(state: LuaState, runtime: LuaHost) -> None:
    spec: dict[str, Any] = {"fnv32": fnv32, "fnv64": fnv64}
    for name in ("md5", "sha1", "sha256", "sha512"):
        spec[name] = _digest(name)
        spec[f"hmac_{name}"] = _hmac(name)
    state.bind("hash", build(state, spec))
