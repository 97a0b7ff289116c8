"""The `json` module's schema validation from real Lua: `validate` (Lua data) and
`validate_string` (JSON text) against schemas given as tables or JSON text; failures are
`false, err` (INVALID) naming the rule and where it failed; encode/decode errors are not
retryable."""

from __future__ import annotations

from lua_modules_helpers import ERR, run
from wippy_runtime.errors import INVALID

SCHEMA = """
local schema = { type = "object", required = {"name"},
                 properties = { name = { type = "string" }, age = { type = "integer",
                                minimum = 0 } } }
"""


def test_validate_tables_and_strings(runtime):
    out = run(runtime, ERR + SCHEMA + """
return { main = function()
  local ok1 = json.validate(schema, { name = "Ann", age = 30 })
  local ok2, e2 = json.validate(schema, { age = 30 })
  local ok3, e3 = json.validate(schema, { name = "Bo", age = -1 })
  local ok4 = json.validate('{"type":"array","items":{"type":"number"}}', {1, 2.5})
  local ok5 = json.validate_string(schema, '{"name":"Cy"}')
  local ok6, e6 = json.validate_string(schema, '{"name":5}')
  return { ok1 = ok1, ok2 = ok2, e2 = e(e2), ok3 = ok3, e3 = e(e3), ok4 = ok4, ok5 = ok5,
           ok6 = ok6, e6 = e(e6) }
end }""", modules=["json"])
    assert out["ok1"] is True and out["ok4"] is True and out["ok5"] is True
    assert out["ok2"] is False and out["e2"]["kind"] == INVALID
    assert out["e2"]["retryable"] is False and "'name' is a required property" in \
        out["e2"]["message"]
    assert out["ok3"] is False and "/age" in out["e3"]["message"]
    assert out["ok6"] is False and "is not of type 'string'" in out["e6"]["message"]


def test_validate_argument_errors(runtime):
    out = run(runtime, ERR + SCHEMA + """
return { main = function()
  local a, e1 = json.validate(schema, nil)
  local b, e2 = json.validate(nil, {})
  local c, e3 = json.validate('{"type": 12}', {})
  local d, e4 = json.validate_string(schema, 42)
  local f, e5 = json.validate("{not json", {})
  return { all_false = not (a or b or c or d or f), e1 = e(e1), e2 = e(e2), e3 = e(e3),
           e4 = e(e4), e5 = e(e5) }
end }""", modules=["json"])
    assert out["all_false"] is True
    assert "data is required" in out["e1"]["message"]
    assert "schema is required" in out["e2"]["message"]
    assert "compile schema" in out["e3"]["message"]
    assert "JSON string" in out["e4"]["message"] and "schema error" in out["e5"]["message"]
    for key in ("e1", "e2", "e3", "e4", "e5"):
        assert out[key]["kind"] == INVALID, key


def test_encode_decode_errors_are_not_retryable(runtime):
    out = run(runtime, ERR + """
return { main = function()
  local _, e1 = json.decode("")
  local _, e2 = json.encode({[1] = "a", [3] = "c"})
  return { e1 = e(e1), e2 = e(e2), t = type(json.validate) }
end }""", modules=["json"])
    assert out["e1"]["retryable"] is False and out["e2"]["retryable"] is False
    assert out["t"] == "function"
