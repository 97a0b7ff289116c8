"""Lowered chunks by content hash, so a source is lowered once per process.

A function.lua entry compiles its chunk in every instance (pool workers, a library's throwaway
compile check, the kernel's several tries at a cell): the front end runs once per distinct
source text, and every later compile of the same text is a dictionary hit. Failures are cached
too (the kernel retries a cell that does not parse several ways).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from .lowering import lower
from .tokens import LuaSyntaxError

#: bump when lowering changes what it emits (keys stay valid only for one front end)
VERSION = b"typed-lua/1"
MAX_ENTRIES = 4096

_cache: OrderedDict[bytes, str | LuaSyntaxError] = OrderedDict()
stats = {"hits": 0, "misses": 0}


def key(source: str) -> bytes:
    return hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=16,
                           person=VERSION[:16]).digest()


def lowered(source: str) -> str:
    """The Lua 5.4 text of typed `source` (raises the cached LuaSyntaxError)."""
    k = key(source)
    hit = _cache.get(k)
    if hit is None:
        stats["misses"] += 1
        try:
            hit = lower(source)
        except LuaSyntaxError as exc:
            hit = exc
        _cache[k] = hit
        if len(_cache) > MAX_ENTRIES:
            _cache.popitem(last=False)
    else:
        stats["hits"] += 1
    if isinstance(hit, LuaSyntaxError):
        raise hit
    return hit


def clear() -> None:
    _cache.clear()
    stats["hits"] = stats["misses"] = 0
