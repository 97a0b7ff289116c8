"""The front end's answer for a chunk by content hash, so a source is parsed, lowered and
type-checked once per process.

A function.lua entry compiles its chunk in every instance (pool workers, a library's throwaway
compile check, the kernel's several tries at a cell): the front end runs once per distinct
source text, and every later compile of the same text is a dictionary hit. Failures are cached
too (the kernel retries a cell that does not parse several ways).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

from .check import Problem, check
from .lowering import emit
from .parser import parse
from .tokens import LuaSyntaxError

#: bump when lowering changes what it emits (keys stay valid only for one front end)
VERSION = b"typed-lua/2"
MAX_ENTRIES = 4096

Front = tuple[str, Problem | None]
_cache: OrderedDict[bytes, Front | LuaSyntaxError] = OrderedDict()
stats = {"hits": 0, "misses": 0}


def key(source: str) -> bytes:
    return hashlib.blake2b(source.encode("utf-8", "surrogatepass"), digest_size=16,
                           person=VERSION[:16]).digest()


def lowered(source: str) -> str:
    """The Lua 5.4 text of typed `source` (raises the cached LuaSyntaxError)."""
    return front(source)[0]


def front(source: str) -> Front:
    """(Lua 5.4 text, first static type error or None) of typed `source` (raises the cached
    LuaSyntaxError). A chunk the front end leaves unchanged is plain Lua and is not checked."""
    k = key(source)
    hit = _cache.get(k)
    if hit is None:
        stats["misses"] += 1
        try:
            p = parse(source)
            text = emit(p)
            hit = (text, check(p) if text != source else None)
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
