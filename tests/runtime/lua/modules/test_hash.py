"""The `hash` module: digests, HMACs and FNV-1 from real Lua, checked against hashlib/hmac and
the published FNV-1 test vectors; a non-string argument is `nil, err` (INVALID)."""

from __future__ import annotations

import hashlib
import hmac

from lua_modules_helpers import ERR, run
from wippy_runtime.errors import INVALID


def test_digests_hex_and_raw(runtime):
    out = run(runtime, """
return { main = function(s)
  return { md5 = hash.md5(s), sha1 = hash.sha1(s), sha256 = hash.sha256(s),
           sha512 = hash.sha512(s), raw = hash.sha256(s, true), raw_md5 = hash.md5(s, true),
           empty = hash.md5(""), kind = type(hash.md5), zero_is_true = #hash.md5(s, 0) }
end }""", "héllo", modules=["hash"])
    data = "héllo".encode()
    for name in ("md5", "sha1", "sha256", "sha512"):
        assert out[name] == hashlib.new(name, data).hexdigest()
    raw = out["raw"]  # binary results reach Python as bytes (str only when valid UTF-8)
    assert (raw.encode() if isinstance(raw, str) else raw) == hashlib.sha256(data).digest()
    assert len(out["raw_md5"]) == 16
    assert out["empty"] == "d41d8cd98f00b204e9800998ecf8427e"
    assert out["kind"] == "function"
    assert out["zero_is_true"] == 16  # Lua truth: 0 asks for raw bytes


def test_hmacs_match_the_stdlib(runtime):
    out = run(runtime, """
return { main = function()
  return { hmac_sha256 = hash.hmac_sha256("data", "key"), hmac_md5 = hash.hmac_md5("data", "key"),
           hmac_sha1 = hash.hmac_sha1("data", "key"), hmac_sha512 = hash.hmac_sha512("data", "key"),
           raw_len = #hash.hmac_sha512("data", "key", true) }
end }""", modules=["hash"])
    for name in ("sha256", "md5", "sha1", "sha512"):
        assert out[f"hmac_{name}"] == hmac.new(b"key", b"data", name).hexdigest()
    assert out["raw_len"] == 64


def test_fnv1_vectors(runtime):
    # FNV-1 (multiply then xor) of "a": 0x050c5d7e (32-bit), 0xaf63bd4c8601b7be (64-bit)
    out = run(runtime, """
return { main = function()
  return { a32 = hash.fnv32("a"), a64 = hash.fnv64("a"), empty32 = hash.fnv32(""),
           t32 = math.type(hash.fnv32("a")) }
end }""", modules=["hash"])
    assert out["a32"] == 0x050C5D7E
    assert out["empty32"] == 0x811C9DC5
    assert out["a64"] == float(0xAF63BD4C8601B7BE)
    assert out["t32"] == "integer"


def test_non_string_arguments_return_invalid_errors(runtime):
    out = run(runtime, ERR + """
return { main = function()
  local v1, e1 = hash.sha256(42)
  local v2, e2 = hash.hmac_sha256("data", nil)
  local v3, e3 = hash.fnv64({})
  return { v = v1 == nil and v2 == nil and v3 == nil, e1 = e(e1), e2 = e(e2), e3 = e(e3) }
end }""", modules=["hash"])
    assert out["v"] is True
    assert out["e1"]["kind"] == INVALID and "data must be a string" in out["e1"]["message"]
    assert out["e1"]["retryable"] is False
    assert "secret must be a string" in out["e2"]["message"]
    assert out["e3"]["kind"] == INVALID
