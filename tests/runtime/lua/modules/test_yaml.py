"""The `yaml` module from real Lua: YAML 1.2 scalars (as the real runtime's library), tables
both ways, and INVALID / INTERNAL errors."""

from __future__ import annotations

import yaml
from lua_modules_helpers import ERR, run
from wippy_runtime.errors import INTERNAL, INVALID


def test_decode_scalars_and_structures(runtime):
    out = run(runtime, """
return { main = function()
  local v = yaml.decode("name: test\\ncount: 3\\nratio: 1.5\\nok: true\\nword: yes\\n" ..
                        "day: 2001-12-14\\nlist:\\n  - 1\\n  - two\\nnested:\\n  a: {b: 1}\\n")
  return { v = v, int = math.type(v.count), list1 = v.list[1] }
end }""", modules=["yaml"])
    v = out["v"]
    assert v["name"] == "test" and v["count"] == 3 and v["ratio"] == 1.5 and v["ok"] is True
    assert v["word"] == "yes" and v["day"] == "2001-12-14"  # YAML 1.2: strings
    assert out["int"] == "integer" and out["list1"] == 1 and v["nested"]["a"]["b"] == 1


def test_encode_round_trip(runtime):
    out = run(runtime, """
return { main = function()
  local src = { name = "x", items = {1, 2, 3}, deep = { k = "v" }, flag = false }
  local text = yaml.encode(src)
  local back = yaml.decode(text)
  return { text = text, same = back.name == "x" and back.items[3] == 3 and back.deep.k == "v"
                               and back.flag == false, list = yaml.encode({1, 2}) }
end }""", modules=["yaml"])
    assert yaml.safe_load(out["text"]) == {"name": "x", "items": [1, 2, 3], "deep": {"k": "v"},
                                           "flag": False}
    assert out["same"] is True and out["list"] == "- 1\n- 2\n"


def test_errors(runtime):
    out = run(runtime, ERR + """
return { main = function()
  local _, e1 = yaml.decode(123)
  local _, e2 = yaml.decode("")
  local _, e3 = yaml.decode(":\\n  :\\n  invalid")
  local _, e4 = yaml.encode("text")
  local _, e5 = yaml.encode()
  return { e1 = e(e1), e2 = e(e2), e3 = e(e3), e4 = e(e4), e5 = e(e5) }
end }""", modules=["yaml"])
    assert out["e1"]["kind"] == INVALID and out["e2"]["kind"] == INVALID
    assert out["e3"]["kind"] == INTERNAL and out["e3"]["retryable"] is False
    assert "line 1" in out["e3"]["message"]
    assert out["e4"]["kind"] == INVALID and "table" in out["e4"]["message"]
    assert out["e5"]["kind"] == INVALID and "required" in out["e5"]["message"]


def test_encode_orders_keys(runtime):
    out = run(runtime, """
return { main = function()
  local data = { zebra = 1, alpha = 2, kind = "k", name = "n", nested = { b = 1, name = 2 } }
  return { sorted = yaml.encode(data),
           ordered = yaml.encode(data, { field_order = { "name", "kind" } }) }
end }""", modules=["yaml"])
    assert out["sorted"].splitlines()[0] == "alpha: 2"
    assert [line.split(":")[0] for line in out["ordered"].splitlines()] == \
        ["name", "kind", "alpha", "nested", "  name", "  b", "zebra"]
