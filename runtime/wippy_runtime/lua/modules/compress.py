"""The `compress` module: gzip, deflate, zlib (`zlib`), brotli (`brotli`), zstd (`zstandard`).

Each codec has `encode(data, {level=})` and `decode(data, {max_size=})`; zstd adds `dict=`,
`train_dict(samples, {size=, id=, level=})` and `inspect_dict(dict)`. Decoding is streamed
and stops one byte past `max_size` (default 128 MiB, at most 1 GiB), so a compression bomb
cannot exhaust memory. Error kinds follow the real module: INVALID for bad arguments and for
input whose header is not the codec's (deflate and brotli have no header, so any corrupt input is
INVALID); INTERNAL for a stream that breaks later, a size over the limit, and every zstd decode
failure (its reader only fails once reading starts). Never retryable, never raised.

Dictionaries are trained by zstd's own trainer (the real module uses a Go builder; the bytes
differ but both are standard zstd dictionaries). `inspect_dict` reads the id from the header;
`content_size` is what follows the entropy tables, found by the repeat-offset triple (1, 4, 8)
that every trainer writes before the content.
"""

from __future__ import annotations

import secrets
import struct
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import brotli
import zstandard

from ...errors import INTERNAL, INVALID
from ..convert import to_lua
from ._common import build, fail, is_table, option

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

DEFAULT_MAX_SIZE = 128 * 1024 * 1024
ABSOLUTE_MAX_SIZE = 1024 * 1024 * 1024
DICT_MAGIC = b"\x37\xa4\x30\xec"
_REP_OFFSETS = struct.pack("<III", 1, 4, 8)
_CHUNK = 64 * 1024


class _TooLarge(Exception):
    pass


def _number(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value)


def _level(options: Any, default: int, low: int, high: int) -> int | None:
    level = _number(option(options, "level"))
    if level is None:
        return default
    return level if low <= level <= high else None


def _max_size(options: Any) -> int:
    size = _number(option(options, "max_size"))
    return size if size is not None and 0 < size <= ABSOLUTE_MAX_SIZE else DEFAULT_MAX_SIZE


def _dict(options: Any) -> tuple[bytes | None, bool]:
    """(dict bytes or None, invalid?): a present `dict` must be a non-empty string."""
    value = option(options, "dict")
    if value is None:
        return None, False
    if not isinstance(value, bytes) or not value:
        return None, True
    return value, False


def _inflate(data: bytes, wbits: int, limit: int) -> bytes:
    d = zlib.decompressobj(wbits)
    out = d.decompress(data, limit + 1)
    if len(out) > limit:
        raise _TooLarge
    if not d.eof:
        raise zlib.error("unexpected EOF")
    return out


def _zlib_header_ok(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


def _input(data: Any) -> Any:
    if not isinstance(data, bytes):
        return fail("string expected", INVALID)
    if not data:
        return fail("input data cannot be empty", INVALID)
    return None


#: a codec's work once its input is checked: (data, level, options) -> Lua's `value, err`
Compress = Callable[[bytes, int, Any], Any]
#: (data, options) -> Lua's `value, err`
Decompress = Callable[[bytes, Any], Any]


def _encoder(levels: tuple[int, int, int], level_error: str, compress: Compress,
             ) -> Callable[..., Any]:
    """`encode(data, {level=})` of one codec: what every encoder checks (the input, the
    level in `levels` = (default, low, high)), then `compress`."""
    default, low, high = levels

    def encode(data: Any = None, options: Any = None, *_: Any) -> Any:
        bad = _input(data)
        if bad:
            return bad
        level = _level(options, default, low, high)
        if level is None:
            return fail(level_error, INVALID)
        return compress(data, level, options)

    return encode


def _decoder(decompress: Decompress) -> Callable[..., Any]:
    """`decode(data, {...})` of one codec: the input check, then `decompress`."""

    def decode(data: Any = None, options: Any = None, *_: Any) -> Any:
        bad = _input(data)
        if bad:
            return bad
        return decompress(data, options)

    return decode


def _too_large(name: str) -> Any:
    return fail(f"{name} decode failed: decompressed size exceeds limit", INTERNAL)


def _zlib_codec(name: str, wbits: int, header_ok: Callable[[bytes], bool] | None) -> Any:
    def compress(data: bytes, level: int, _options: Any) -> Any:
        c = zlib.compressobj(level, zlib.DEFLATED, wbits)
        return c.compress(data) + c.flush(), None

    def decompress(data: bytes, options: Any) -> Any:
        if header_ok is not None and not header_ok(data):
            return fail(f"invalid {name} data", INVALID)
        try:
            return _inflate(data, wbits, _max_size(options)), None
        except _TooLarge:
            return _too_large(name)
        except zlib.error as exc:
            if header_ok is None:
                return fail(f"invalid {name} data: {exc}", INVALID)
            return fail(f"{name} decode failed: {exc}", INTERNAL)

    return (_encoder((6, 1, 9), "compression level must be between 1 and 9", compress),
            _decoder(decompress))


def _brotli_compress(data: bytes, level: int, _options: Any) -> Any:
    return brotli.compress(data, quality=level), None


def _brotli_decompress(data: bytes, options: Any) -> Any:
    limit = _max_size(options)
    d = brotli.Decompressor()
    try:
        out = d.process(data, output_buffer_limit=limit + 1)
        if len(out) > limit or not d.can_accept_more_data():
            return _too_large("brotli")
        if not d.is_finished():
            return fail("invalid brotli data: unexpected EOF", INVALID)
    except brotli.error as exc:
        return fail(f"invalid brotli data: {exc}", INVALID)
    return out, None


def _zstd_dict(options: Any) -> tuple[Any, Any]:
    """(a maker of the `dict` option's zstd dictionary, or None for none; the Lua error for
    a bad one). Made inside the caller's `try`: a dictionary fails as a zstd error."""
    raw, invalid = _dict(options)
    if invalid:
        return None, fail("dict must be a non-empty string", INVALID)
    return (lambda: zstandard.ZstdCompressionDict(raw) if raw is not None else None), None


def _zstd_compress(data: bytes, level: int, options: Any) -> Any:
    zdict, bad = _zstd_dict(options)
    if bad:
        return bad
    try:
        return zstandard.ZstdCompressor(level=level, dict_data=zdict()).compress(data), None
    except zstandard.ZstdError as exc:
        return fail(f"zstd encode failed: {exc}", INTERNAL)


def _zstd_decompress(data: bytes, options: Any) -> Any:
    zdict, bad = _zstd_dict(options)
    if bad:
        return bad
    limit = _max_size(options)
    try:
        reader = zstandard.ZstdDecompressor(dict_data=zdict()).stream_reader(data)
        parts: list[bytes] = []
        size = 0
        while True:
            chunk = reader.read(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                return _too_large("zstd")
            parts.append(chunk)
    except zstandard.ZstdError as exc:
        return fail(f"zstd decode failed: {exc}", INTERNAL)
    return b"".join(parts), None


brotli_encode = _encoder((6, 0, 11), "brotli quality must be between 0 and 11",
                         _brotli_compress)
brotli_decode = _decoder(_brotli_decompress)
zstd_encode = _encoder((3, 1, 22), "zstd level must be between 1 and 22", _zstd_compress)
zstd_decode = _decoder(_zstd_decompress)


def train_dict(samples: Any = None, options: Any = None, *_: Any) -> Any:
    if not is_table(samples):
        return fail("samples must be a table of strings", INVALID)
    n = len(samples)
    if n == 0:
        return fail("samples table cannot be empty", INVALID)
    items: list[bytes | bytearray | memoryview] = []
    for i in range(1, n + 1):
        value = samples[i]
        if not isinstance(value, bytes):
            return fail("samples entries must be strings", INVALID)
        if not value:
            return fail("samples entries cannot be empty", INVALID)
        items.append(value)
    if not any(len(s) >= 8 for s in items):
        return fail("at least one sample must be 8 bytes or longer", INVALID)
    size = 114688
    dict_id = 0
    level = 0
    if is_table(options):
        v = _number(options[b"size"])
        if v is not None:
            if not 256 <= v <= 1024 * 1024:
                return fail("dict size must be between 256 and 1048576", INVALID)
            size = v
        v = _number(options[b"id"])
        if v is not None:
            if not 0 <= v <= 0xFFFFFFFF:
                return fail("dict id must fit in uint32", INVALID)
            dict_id = v
        v = _number(options[b"level"])
        if v is not None:
            if not 1 <= v <= 22:
                return fail("level must be between 1 and 22", INVALID)
            level = v
    if dict_id == 0:
        dict_id = secrets.randbelow(0xFFFFFFFE) + 1
    try:
        trained = zstandard.train_dictionary(size, items, dict_id=dict_id, level=level)
    except zstandard.ZstdError as exc:
        return fail(f"zstd dict training failed: {exc}", INTERNAL)
    return trained.as_bytes(), None


def dict_info(raw: bytes) -> tuple[int, int] | None:
    """(id, content size) of a zstd dictionary, or None when the bytes are not one."""
    if len(raw) < 8 or raw[:4] != DICT_MAGIC:
        return None
    dict_id = struct.unpack_from("<I", raw, 4)[0]
    if dict_id == 0:
        return None
    try:
        zstandard.ZstdCompressionDict(raw, dict_type=zstandard.DICT_TYPE_FULLDICT) \
            .precompute_compress(level=3)
    except zstandard.ZstdError:
        return None
    at = raw.find(_REP_OFFSETS, 8)
    content = len(raw) - (at + len(_REP_OFFSETS)) if at >= 0 else len(raw) - 8
    return dict_id, content


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua

    def inspect_dict(raw: Any = None, *_: Any) -> Any:
        if not isinstance(raw, bytes):
            return fail("dictionary must be a string", INVALID)
        if not raw:
            return fail("dictionary cannot be empty", INVALID)
        info = dict_info(raw)
        if info is None:
            return fail("invalid zstd dictionary", INVALID)
        return to_lua(lua, {"id": info[0], "content_size": info[1]}), None

    def codec(encode: Any, decode: Any) -> dict[str, Any]:
        return {"encode": encode, "decode": decode}

    state.bind("compress", build(state, {
        "gzip": codec(*_zlib_codec("gzip", 31, lambda d: d[:2] == b"\x1f\x8b")),
        "deflate": codec(*_zlib_codec("deflate", -15, None)),
        "zlib": codec(*_zlib_codec("zlib", 15, _zlib_header_ok)),
        "brotli": codec(brotli_encode, brotli_decode),
        "zstd": {**codec(zstd_encode, zstd_decode), "train_dict": train_dict,
                 "inspect_dict": inspect_dict},
    }))
