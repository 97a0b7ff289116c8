"""The `compress` module from real Lua: every codec's output is decoded by the Python library
of that format (and the other way round), levels and their ranges, `max_size` against a
compression bomb, zstd dictionaries, and the real module's error kinds."""

from __future__ import annotations

import gzip
import zlib

import brotli
import zstandard
from lua_modules_helpers import ERR, run
from wippy_runtime.errors import INTERNAL, INVALID

DATA = "Hello, World! " * 200 + "\x00\xff binary"


def _raw(value):
    return value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value


def test_each_codec_interoperates_with_its_library(runtime):
    out = run(runtime, """
return { main = function(data)
  local r = {}
  for _, name in ipairs({"gzip", "deflate", "zlib", "brotli", "zstd"}) do
    local enc = compress[name].encode(data)
    r[name] = { enc = enc, back = compress[name].decode(enc) == data }
  end
  return r
end }""", DATA, modules=["compress"])
    raw = DATA.encode("utf-8")
    assert gzip.decompress(_raw(out["gzip"]["enc"])) == raw
    assert zlib.decompress(_raw(out["deflate"]["enc"]), -15) == raw
    assert zlib.decompress(_raw(out["zlib"]["enc"])) == raw
    assert brotli.decompress(_raw(out["brotli"]["enc"])) == raw
    assert zstandard.ZstdDecompressor().decompressobj().decompress(_raw(out["zstd"]["enc"])) \
        == raw
    assert all(out[name]["back"] is True for name in out)


def test_decodes_what_python_libraries_wrote(runtime):
    raw = b"interop " * 50
    out = run(runtime, """
return { main = function(g, z, b, s)
  return { g = compress.gzip.decode(g), z = compress.zlib.decode(z),
           b = compress.brotli.decode(b), s = compress.zstd.decode(s) }
end }""", gzip.compress(raw), zlib.compress(raw), brotli.compress(raw),
              zstandard.ZstdCompressor().compress(raw), modules=["compress"])
    assert all(_raw(v) == raw for v in out.values())


def test_levels_and_ranges(runtime):
    out = run(runtime, ERR + """
return { main = function(data)
  local low = compress.gzip.encode(data, { level = 1 })
  local high = compress.gzip.encode(data, { level = 9 })
  local _, g0 = compress.gzip.encode(data, { level = 0 })
  local _, b12 = compress.brotli.encode(data, { level = 12 })
  local b0 = compress.brotli.encode(data, { level = 0 })
  local _, z23 = compress.zstd.encode(data, { level = 23 })
  local z22 = compress.zstd.encode(data, { level = 22 })
  return { smaller = #high <= #low, g0 = e(g0), b12 = e(b12), z23 = e(z23),
           b0 = b0 ~= nil, z22 = z22 ~= nil }
end }""", DATA, modules=["compress"])
    assert out["smaller"] is True and out["b0"] is True and out["z22"] is True
    assert out["g0"]["kind"] == INVALID and "between 1 and 9" in out["g0"]["message"]
    assert "0 and 11" in out["b12"]["message"] and "1 and 22" in out["z23"]["message"]


def test_max_size_stops_a_bomb(runtime):
    out = run(runtime, ERR + """
return { main = function()
  local bomb = compress.gzip.encode(string.rep("a", 4 * 1024 * 1024), { level = 9 })
  local _, err = compress.gzip.decode(bomb, { max_size = 1024 })
  local ok = compress.gzip.decode(compress.gzip.encode("small"), { max_size = 5 })
  local _, zerr = compress.zstd.decode(compress.zstd.encode(string.rep("b", 10000)),
                                       { max_size = 100 })
  return { bomb = #bomb, err = e(err), ok = ok, zerr = e(zerr) }
end }""", modules=["compress"])
    assert out["bomb"] < 10000
    assert out["err"]["kind"] == INTERNAL and "exceeds limit" in out["err"]["message"]
    assert out["ok"] == "small"
    assert out["zerr"]["kind"] == INTERNAL


def test_error_kinds(runtime):
    out = run(runtime, ERR + """
return { main = function()
  local gz = compress.gzip.encode("payload")
  local _, empty = compress.gzip.encode("")
  local _, typ = compress.zlib.decode(42)
  local _, gz_bad = compress.gzip.decode("not gzip")
  local _, gz_cut = compress.gzip.decode(string.sub(gz, 1, 12))
  local _, df = compress.deflate.decode("\\255\\255\\255")
  local _, br = compress.brotli.decode("nope")
  local _, zs = compress.zstd.decode("nope")
  return { empty = e(empty), typ = e(typ), gz_bad = e(gz_bad), gz_cut = e(gz_cut),
           df = e(df), br = e(br), zs = e(zs) }
end }""", modules=["compress"])
    assert out["empty"]["kind"] == INVALID and "empty" in out["empty"]["message"]
    assert out["empty"]["retryable"] is False
    assert out["typ"]["kind"] == INVALID and "string expected" in out["typ"]["message"]
    assert out["gz_bad"]["kind"] == INVALID
    assert out["gz_cut"]["kind"] == INTERNAL  # the header was fine, the stream broke
    assert out["df"]["kind"] == INVALID and out["br"]["kind"] == INVALID
    assert out["zs"]["kind"] == INTERNAL


def test_zstd_dictionaries(runtime):
    out = run(runtime, ERR + """
local function samples(word)
  local s = {}
  for i = 1, 80 do
    s[i] = string.format('{"event":"%s","user":%d,"session":"s-%04d"}', word, i, i)
  end
  return s
end
return { main = function()
  local dict = compress.zstd.train_dict(samples("click"), { id = 4242 })
  local info = compress.zstd.inspect_dict(dict)
  local payload = '{"event":"click","user":99,"session":"s-0099"}'
  local enc = compress.zstd.encode(payload, { dict = dict })
  local plain = compress.zstd.encode(payload)
  local _, nodict = compress.zstd.decode(enc)
  local other = compress.zstd.train_dict(samples("purchase"))
  local _, wrong = compress.zstd.decode(enc, { dict = other })
  local _, empty = compress.zstd.train_dict({})
  local _, short = compress.zstd.train_dict({"ab", "cd"})
  local _, bogus = compress.zstd.inspect_dict("not a dictionary")
  local _, bad_opt = compress.zstd.encode(payload, { dict = "" })
  return { id = info.id, size = info.content_size, dict_len = #dict,
           back = compress.zstd.decode(enc, { dict = dict }) == payload,
           smaller = #enc < #plain, nodict = e(nodict), wrong = e(wrong), empty = e(empty),
           short = e(short), bogus = e(bogus), bad_opt = e(bad_opt), enc = enc }
end }""", modules=["compress"])
    assert out["id"] == 4242 and 0 < out["size"] < out["dict_len"]
    assert out["back"] is True and out["smaller"] is True
    assert zstandard.get_frame_parameters(_raw(out["enc"])).dict_id == 4242
    assert out["nodict"]["kind"] == INTERNAL and out["wrong"]["kind"] == INTERNAL
    for key in ("empty", "short", "bogus", "bad_opt"):
        assert out[key]["kind"] == INVALID, key
