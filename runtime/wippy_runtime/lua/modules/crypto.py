"""The `crypto` module: secure random data, HMAC, AEAD encryption, JWT and PBKDF2.

Backed by the stdlib (`secrets`, `hmac`, `hashlib.pbkdf2_hmac`) and `cryptography` (AES-GCM,
ChaCha20-Poly1305, RSA for RS256). Ciphertexts are `nonce || ciphertext || tag` with a random
12-byte nonce, as the real module writes them. JWTs (HS256/384/512, RS256) are assembled here
from those parts; verification checks the algorithm, the signature, `exp` (required unless
`require_exp` is false), `nbf` and `iat`. Value errors are `nil, err`: INVALID for bad input,
INTERNAL for failed decryption or verification; a missing argument of the wrong type raises, as
Lua's own argument checks do in Wippy.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

from ...errors import INTERNAL, INVALID
from ..convert import ConversionError, to_lua, to_plain
from ._common import bad_argument, build, check_integer, check_string, fail, is_table

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

MAX_RANDOM = 1024 * 1024
MAX_PBKDF2_ITERATIONS = 10_000_000
_ALNUM = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_HMAC_ALGS = {"HS256": "sha256", "HS384": "sha384", "HS512": "sha512"}


class JWTError(Exception):
    pass


# -- random ---------------------------------------------------------------------------------
def _length(value: Any, fn: str) -> tuple[int | None, Any]:
    n = check_integer(value, fn, 1)
    if n <= 0:
        return None, fail(f"{fn}: length must be a positive integer", INVALID)
    if n > MAX_RANDOM:
        return None, fail(f"{fn}: length exceeds maximum allowed size (1MB)", INVALID)
    return n, None


def random_bytes(length: Any = None, *_: Any) -> Any:
    n, bad = _length(length, "crypto.random.bytes")
    return bad if n is None else (secrets.token_bytes(n), None)


def random_string(length: Any = None, charset: Any = None, *_: Any) -> Any:
    n, bad = _length(length, "crypto.random.string")
    if n is None:
        return bad
    chars = _ALNUM if charset is None else check_string(charset, "crypto.random.string", 2)
    if not chars:
        return fail("crypto.random.string: charset cannot be empty", INVALID)
    # each random byte picks charset[b % len], the real module's mapping, done by translate
    table = bytes(chars[i % len(chars)] for i in range(256))
    return secrets.token_bytes(n).translate(table), None


# -- hmac -----------------------------------------------------------------------------------
def _hmac(algorithm: str, fn: str) -> Any:
    def mac(key: Any = None, data: Any = None, *_: Any) -> Any:
        k = check_string(key, fn, 1)
        d = check_string(data, fn, 2)
        if not k:
            return fail(f"{fn}: key cannot be empty", INVALID)
        return hmac.new(k, d, algorithm).hexdigest().encode(), None
    return mac


# -- AEAD -----------------------------------------------------------------------------------
def _aead(name: str, key: bytes) -> Any:
    if name == "aes":
        if len(key) not in (16, 24, 32):
            raise ValueError("key must be 16, 24, or 32 bytes long")
        return AESGCM(key)
    if len(key) != 32:
        raise ValueError("key must be 32 bytes long")
    return ChaCha20Poly1305(key)


def _encrypt(name: str) -> Any:
    fn = f"crypto.encrypt.{name}"

    def encrypt(data: Any = None, key: Any = None, aad: Any = None, *_: Any) -> Any:
        plaintext = check_string(data, fn, 1)
        k = check_string(key, fn, 2)
        extra = None if aad is None else check_string(aad, fn, 3)
        try:
            cipher = _aead(name, k)
        except ValueError as exc:
            return fail(f"{fn}: {exc}", INVALID)
        nonce = secrets.token_bytes(12)
        return nonce + cipher.encrypt(nonce, plaintext, extra), None
    return encrypt


def _decrypt(name: str) -> Any:
    fn = f"crypto.decrypt.{name}"

    def decrypt(data: Any = None, key: Any = None, aad: Any = None, *_: Any) -> Any:
        sealed = check_string(data, fn, 1)
        k = check_string(key, fn, 2)
        extra = None if aad is None else check_string(aad, fn, 3)
        try:
            cipher = _aead(name, k)
        except ValueError as exc:
            return fail(f"{fn}: {exc}", INVALID)
        if len(sealed) < 12:
            return fail(f"{fn}: encrypted data too short", INVALID)
        try:
            return cipher.decrypt(sealed[:12], sealed[12:], extra), None
        except InvalidTag:
            return fail(f"{fn}: decrypt: message authentication failed", INTERNAL)
    return decrypt


# -- JWT ------------------------------------------------------------------------------------
def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _unb64(part: bytes) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + b"=" * (-len(part) % 4))
    except (ValueError, TypeError) as exc:
        raise JWTError(f"token is malformed: {exc}") from None


def _sign(alg: str, key: bytes, signing_input: bytes) -> bytes:
    if alg in _HMAC_ALGS:
        return hmac.new(key, signing_input, _HMAC_ALGS[alg]).digest()
    private = serialization.load_pem_private_key(key, password=None)
    if not isinstance(private, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return private.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())


def _check_signature(alg: str, key: bytes, signing_input: bytes, signature: bytes) -> None:
    if alg in _HMAC_ALGS:
        if not hmac.compare_digest(_sign(alg, key, signing_input), signature):
            raise JWTError("token signature is invalid: signature is invalid")
        return
    try:
        public: Any
        if b"CERTIFICATE" in key:
            from cryptography import x509
            public = x509.load_pem_x509_certificate(key).public_key()
        else:
            public = serialization.load_pem_public_key(key)
    except ValueError as exc:
        raise JWTError(f"invalid RSA public key: {exc}") from None
    if not isinstance(public, rsa.RSAPublicKey):
        raise JWTError("invalid RSA public key: not an RSA key")
    try:
        public.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise JWTError("token signature is invalid: crypto/rsa: verification error") from None


def jwt_decode(token: bytes, key: bytes, alg: str, require_exp: bool) -> dict[str, Any]:
    parts = token.split(b".")
    if len(parts) != 3:
        raise JWTError("token is malformed: token contains an invalid number of segments")
    try:
        header = json.loads(_unb64(parts[0]))
        claims = json.loads(_unb64(parts[1]))
    except ValueError as exc:
        raise JWTError(f"token is malformed: {exc}") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise JWTError("token is malformed: header and claims must be objects")
    if header.get("alg") != alg:
        raise JWTError(f"token is unverifiable: signing method {header.get('alg')} is invalid")
    _check_signature(alg, key, parts[0] + b"." + parts[1], _unb64(parts[2]))
    now = time.time()
    exp = claims.get("exp")
    if exp is None:
        if require_exp:
            raise JWTError("token has invalid claims: token is missing required claim: exp claim "
                           "is required")
    elif not isinstance(exp, (int, float)) or now >= exp:
        raise JWTError("token has invalid claims: token is expired")
    nbf = claims.get("nbf")
    if isinstance(nbf, (int, float)) and now < nbf:
        raise JWTError("token has invalid claims: token is not valid yet")
    iat = claims.get("iat")
    if isinstance(iat, (int, float)) and now < iat:
        raise JWTError("token has invalid claims: token used before issued")
    return claims


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua

    def jwt_encode(payload: Any = None, key: Any = None, alg: Any = None, *_: Any) -> Any:
        if not is_table(payload):
            raise bad_argument("crypto.jwt.encode", 1, "table", payload)
        k = check_string(key, "crypto.jwt.encode", 2)
        name = "HS256" if alg is None else check_string(alg, "crypto.jwt.encode", 3).decode()
        if name not in _HMAC_ALGS and name != "RS256":
            name = "HS256"  # the real module falls back to HS256 for unknown names
        try:
            claims = to_plain(payload)
        except ConversionError as exc:
            return fail(f"crypto.jwt.encode: payload: {exc}", INVALID)
        if claims == []:
            claims = {}
        if not isinstance(claims, dict):
            return fail("crypto.jwt.encode: failed to convert payload to map", INVALID)
        header: dict[str, Any] = {"alg": name, "typ": "JWT"}
        extra = claims.pop("_header", None)
        if isinstance(extra, dict):
            header.update(extra)
        try:
            signing_input = (_b64(json.dumps(header, separators=(",", ":")).encode()) + b"." +
                             _b64(json.dumps(claims, separators=(",", ":"),
                                             default=str).encode()))
        except (TypeError, ValueError) as exc:
            return fail(f"crypto.jwt.encode: sign token: {exc}", INTERNAL)
        try:
            signature = _sign(name, k, signing_input)
        except (ValueError, TypeError) as exc:
            return fail(f"crypto.jwt.encode: invalid RSA private key: {exc}", INVALID)
        return signing_input + b"." + _b64(signature), None

    def jwt_verify(token: Any = None, key: Any = None, alg: Any = None, require_exp: Any = None,
                   *_: Any) -> Any:
        t = check_string(token, "crypto.jwt.verify", 1)
        k = check_string(key, "crypto.jwt.verify", 2)
        name = "HS256" if alg is None else check_string(alg, "crypto.jwt.verify", 3).decode()
        try:
            claims = jwt_decode(t, k, name, require_exp is not False)
        except JWTError as exc:
            return fail(f"crypto.jwt.verify: verify token: {exc}", INTERNAL)
        return to_lua(lua, claims), None

    def pbkdf2(password: Any = None, salt: Any = None, iterations: Any = None,
               key_length: Any = None, hash_name: Any = None, *_: Any) -> Any:
        fn = "crypto.pbkdf2"
        pw = check_string(password, fn, 1)
        sl = check_string(salt, fn, 2)
        rounds = check_integer(iterations, fn, 3)
        length = check_integer(key_length, fn, 4)
        algorithm = b"sha256" if hash_name is None else check_string(hash_name, fn, 5)
        if not pw:
            return fail(f"{fn}: password cannot be empty", INVALID)
        if not sl:
            return fail(f"{fn}: salt cannot be empty", INVALID)
        if rounds <= 0:
            return fail(f"{fn}: iterations must be positive", INVALID)
        if rounds > MAX_PBKDF2_ITERATIONS:
            return fail(f"{fn}: iterations exceed maximum allowed (10000000)", INVALID)
        if length <= 0:
            return fail(f"{fn}: key length must be positive", INVALID)
        if algorithm not in (b"sha256", b"sha512"):
            return fail(f"{fn}: unsupported hash function {algorithm.decode('utf-8', 'replace')!r}"
                        " (sha256 or sha512)", INVALID)
        return hashlib.pbkdf2_hmac(algorithm.decode(), pw, sl, rounds, length), None

    def constant_time_compare(a: Any = None, b: Any = None, *_: Any) -> bool:
        return hmac.compare_digest(check_string(a, "crypto.constant_time_compare", 1),
                                   check_string(b, "crypto.constant_time_compare", 2))

    state.bind("crypto", build(state, {
        "random": {"bytes": random_bytes, "string": random_string,
                   "uuid": lambda *_: (str(uuid.uuid4()).encode(), None)},
        "hmac": {"sha256": _hmac("sha256", "crypto.hmac.sha256"),
                 "sha512": _hmac("sha512", "crypto.hmac.sha512")},
        "encrypt": {"aes": _encrypt("aes"), "chacha20": _encrypt("chacha20")},
        "decrypt": {"aes": _decrypt("aes"), "chacha20": _decrypt("chacha20")},
        "jwt": {"encode": jwt_encode, "verify": jwt_verify},
        "pbkdf2": pbkdf2,
        "constant_time_compare": constant_time_compare,
    }))
