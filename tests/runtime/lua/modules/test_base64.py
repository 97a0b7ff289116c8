"""The `base64` module from real Lua: standard padded Base64, binary-safe, Go's strict decoder
("illegal base64 data"), non-strings refused with INVALID."""

from __future__ import annotations

import base64

from lua_modules_helpers import ERR, run
from wippy_runtime.errors import INVALID


def test_encode_decode_round_trip_binary(runtime):
    out = run(runtime, """
return { main = function()
  local s = "binary\\0data\\255"
  return { enc = base64.encode("hello"), dec = base64.decode("aGVsbG8="),
           empty = base64.encode(""), empty_dec = base64.decode(""),
           round = base64.decode(base64.encode(s)) == s, bin = base64.encode(s) }
end }""", modules=["base64"])
    assert out["enc"] == "aGVsbG8=" and out["dec"] == "hello"
    assert out["empty"] == "" and out["empty_dec"] == ""
    assert out["round"] is True
    assert out["bin"] == base64.b64encode(b"binary\x00data\xff").decode()


def test_invalid_input_is_an_invalid_error(runtime):
    out = run(runtime, ERR + """
return { main = function()
  local r1, e1 = base64.decode("!!!invalid!!!")
  local r2, e2 = base64.decode("aGVsbG8")      -- missing padding: Go's StdEncoding refuses it
  local r3, e3 = base64.encode({})
  return { nils = r1 == nil and r2 == nil and r3 == nil, e1 = e(e1), e2 = e(e2), e3 = e(e3) }
end }""", modules=["base64"])
    assert out["nils"] is True
    assert out["e1"]["kind"] == INVALID and out["e1"]["retryable"] is False
    assert "illegal base64 data at input byte 0" in out["e1"]["message"]
    assert "illegal base64" in out["e2"]["message"]
    assert out["e3"]["kind"] == INVALID and "string expected" in out["e3"]["message"]
