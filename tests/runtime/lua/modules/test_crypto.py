"""The `crypto` module from real Lua: random data, HMAC, AES-GCM / ChaCha20-Poly1305 (the
ciphertext decrypted independently with `cryptography`), JWT (checked with a hand-verified
HS256 signature), PBKDF2 against hashlib, and its INVALID / INTERNAL errors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lua_modules_helpers import ERR, run
from wippy_runtime.errors import INTERNAL, INVALID, CallError


def _raw(value):
    return value.encode() if isinstance(value, str) else value


def test_random_values(runtime):
    out = run(runtime, """
return { main = function()
  local a, b = crypto.random.bytes(16), crypto.random.bytes(16)
  local hex = crypto.random.string(64, "0123456789abcdef")
  return { la = #a, differ = a ~= b, hex = hex, alnum = crypto.random.string(20),
           id = crypto.random.uuid() }
end }""", modules=["crypto"])
    assert out["la"] == 16 and out["differ"] is True
    assert len(out["hex"]) == 64 and set(out["hex"]) <= set("0123456789abcdef")
    assert len(out["alnum"]) == 20 and out["alnum"].isalnum()
    assert len(out["id"]) == 36 and out["id"][14] == "4"


def test_random_bad_lengths(runtime):
    out = run(runtime, ERR + """
return { main = function()
  local _, e1 = crypto.random.bytes(0)
  local _, e2 = crypto.random.bytes(2 * 1024 * 1024)
  local _, e3 = crypto.random.string(5, "")
  return { e1 = e(e1), e2 = e(e2), e3 = e(e3) }
end }""", modules=["crypto"])
    assert out["e1"]["kind"] == INVALID and "positive" in out["e1"]["message"]
    assert "1MB" in out["e2"]["message"] and "charset" in out["e3"]["message"]
    with pytest.raises(CallError, match=r"bad argument #1 to 'crypto.random.bytes' "
                                        r"\(number expected, got string\)"):
        run(runtime, 'return { main = function() return crypto.random.bytes("x") end }',
            modules=["crypto"])


def test_hmac_and_constant_time_compare(runtime):
    out = run(runtime, ERR + """
return { main = function()
  local _, err = crypto.hmac.sha256("", "data")
  return { h = crypto.hmac.sha256("secret", "data"), h5 = crypto.hmac.sha512("secret", ""),
           eq = crypto.constant_time_compare("abc", "abc"),
           ne = crypto.constant_time_compare("abc", "abd"), err = e(err) }
end }""", modules=["crypto"])
    assert out["h"] == hmac.new(b"secret", b"data", "sha256").hexdigest()
    assert out["h5"] == hmac.new(b"secret", b"", "sha512").hexdigest()
    assert out["eq"] is True and out["ne"] is False
    assert out["err"]["kind"] == INVALID and out["err"]["retryable"] is False


def test_aes_gcm_layout_is_nonce_ciphertext_tag(runtime):
    key = b"k" * 32
    sealed = _raw(run(runtime, """
return { main = function(key) return crypto.encrypt.aes("attack at dawn", key, "hdr") end }""",
                      key.decode(), modules=["crypto"]))
    assert AESGCM(key).decrypt(sealed[:12], sealed[12:], b"hdr") == b"attack at dawn"


def test_encrypt_decrypt_round_trips_and_failures(runtime):
    out = run(runtime, ERR + """
return { main = function()
  local k32, k16 = string.rep("a", 32), string.rep("b", 16)
  local ct = crypto.encrypt.aes("hello", k16)
  local cc = crypto.encrypt.chacha20("hello", k32, "aad")
  local _, wrong = crypto.decrypt.aes(ct, string.rep("x", 16))
  local _, bad_aad = crypto.decrypt.chacha20(cc, k32, "other")
  local _, short = crypto.decrypt.aes("abc", k16)
  local _, bad_key = crypto.encrypt.chacha20("x", k16)
  return { aes = crypto.decrypt.aes(ct, k16), cc = crypto.decrypt.chacha20(cc, k32, "aad"),
           wrong = e(wrong), bad_aad = e(bad_aad), short = e(short), bad_key = e(bad_key) }
end }""", modules=["crypto"])
    assert out["aes"] == "hello" and out["cc"] == "hello"
    assert out["wrong"]["kind"] == INTERNAL and out["bad_aad"]["kind"] == INTERNAL
    assert out["short"]["kind"] == INVALID and "too short" in out["short"]["message"]
    assert out["bad_key"]["kind"] == INVALID and "32 bytes" in out["bad_key"]["message"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_jwt_signature_claims_and_verification(runtime):
    exp = int(time.time()) + 3600
    token = run(runtime, """
return { main = function(exp)
  return crypto.jwt.encode({ sub = "u1", exp = exp, _header = { kid = "k1" } }, "secret")
end }""", exp, modules=["crypto"])
    head, body, sig = token.split(".")
    header = json.loads(base64.urlsafe_b64decode(head + "=="))
    assert header == {"alg": "HS256", "typ": "JWT", "kid": "k1"}
    assert json.loads(base64.urlsafe_b64decode(body + "==")) == {"sub": "u1", "exp": exp}
    assert sig == _b64(hmac.new(b"secret", f"{head}.{body}".encode(), hashlib.sha256).digest())

    out = run(runtime, ERR + """
return { main = function(token, exp)
  local claims = crypto.jwt.verify(token, "secret")
  local _, wrong_key = crypto.jwt.verify(token, "nope")
  local _, wrong_alg = crypto.jwt.verify(token, "secret", "HS512")
  local old = crypto.jwt.encode({ sub = "u1", exp = 1000 }, "secret", "HS384")
  local _, expired = crypto.jwt.verify(old, "secret", "HS384")
  local no_exp = crypto.jwt.encode({ sub = "u2" }, "secret")
  local _, missing = crypto.jwt.verify(no_exp, "secret")
  local relaxed = crypto.jwt.verify(no_exp, "secret", "HS256", false)
  local _, garbage = crypto.jwt.verify("a.b", "secret")
  return { sub = claims.sub, wrong_key = e(wrong_key), wrong_alg = e(wrong_alg),
           expired = e(expired), missing = e(missing), relaxed = relaxed.sub,
           garbage = e(garbage) }
end }""", token, exp, modules=["crypto"])
    assert out["sub"] == "u1" and out["relaxed"] == "u2"
    for key in ("wrong_key", "wrong_alg", "expired", "missing", "garbage"):
        assert out[key]["kind"] == INTERNAL, key
    assert "expired" in out["expired"]["message"] and "exp" in out["missing"]["message"]


def test_pbkdf2_matches_hashlib_and_checks_inputs(runtime):
    out = run(runtime, ERR + """
return { main = function()
  local _, md5 = crypto.pbkdf2("pw", "salt", 10, 16, "md5")
  local _, empty = crypto.pbkdf2("", "salt", 10, 16)
  local _, zero = crypto.pbkdf2("pw", "salt", 0, 16)
  local _, len0 = crypto.pbkdf2("pw", "salt", 10, 0)
  return { k = crypto.pbkdf2("pw", "salt", 1000, 32),
           k5 = crypto.pbkdf2("pw", "salt", 1000, 64, "sha512"),
           md5 = e(md5), empty = e(empty), zero = e(zero), len0 = e(len0) }
end }""", modules=["crypto"])
    assert _raw(out["k"]) == hashlib.pbkdf2_hmac("sha256", b"pw", b"salt", 1000, 32)
    assert _raw(out["k5"]) == hashlib.pbkdf2_hmac("sha512", b"pw", b"salt", 1000, 64)
    for key in ("md5", "empty", "zero", "len0"):
        assert out[key]["kind"] == INVALID, key


def test_jwt_encode_needs_a_table(runtime):
    with pytest.raises(CallError, match=r"bad argument #1 to 'crypto.jwt.encode' "
                                        r"\(table expected, got string\)"):
        run(runtime, 'return { main = function() return crypto.jwt.encode("x", "k") end }',
            modules=["crypto"])


def test_jwt_rs256_with_pem_keys(runtime):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo
                                           ).decode()
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    other_pem = other.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    out = run(runtime, ERR + """
return { main = function(private, public, other)
  local token = crypto.jwt.encode({ sub = "rs", exp = os.time() + 60 }, private, "RS256")
  local claims = crypto.jwt.verify(token, public, "RS256")
  local _, wrong = crypto.jwt.verify(token, other, "RS256")
  local _, bad_key = crypto.jwt.encode({ sub = "x" }, "not a pem", "RS256")
  return { sub = claims.sub, wrong = e(wrong), bad_key = e(bad_key), token = token }
end }""", private, public, other_pem, modules=["crypto"])
    assert out["sub"] == "rs"
    assert out["wrong"]["kind"] == INTERNAL and out["bad_key"]["kind"] == INVALID
    head = json.loads(base64.urlsafe_b64decode(out["token"].split(".")[0] + "=="))
    assert head["alg"] == "RS256"
