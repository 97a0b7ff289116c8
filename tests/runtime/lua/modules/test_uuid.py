"""The `uuid` module from real Lua: generation of every version (checked with Python's `uuid`),
determinism of v3/v5, parse/version/variant/format, Go's accepted input forms, and INVALID
errors (never raised) for bad input."""

from __future__ import annotations

import time
import uuid

from lua_modules_helpers import ERR, run
from wippy_runtime.errors import INVALID

NS = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"


def test_generated_versions(runtime):
    out = run(runtime, """
return { main = function(ns)
  return { v1 = uuid.v1(), v4 = uuid.v4(), v7 = uuid.v7(), v3 = uuid.v3(ns, "test"),
           v5 = uuid.v5(ns, "test"), v5b = uuid.v5(ns, "test") }
end }""", NS, modules=["uuid"])
    for version in (1, 3, 4, 5, 7):
        parsed = uuid.UUID(out[f"v{version}"])
        assert (parsed.int >> 76) & 0xF == version
        assert parsed.variant == uuid.RFC_4122
    assert out["v3"] == str(uuid.uuid3(uuid.UUID(NS), "test"))
    assert out["v5"] == str(uuid.uuid5(uuid.UUID(NS), "test")) == out["v5b"]
    ms = uuid.UUID(out["v7"]).int >> 80
    assert abs(ms / 1000 - time.time()) < 60


def test_parse_version_variant_format(runtime):
    out = run(runtime, """
return { main = function(ns)
  local info = uuid.parse(ns)
  local v7 = uuid.parse(uuid.v7())
  local v4 = uuid.parse(uuid.v4())
  return { info = info, v7ts = v7.timestamp, v4ts = v4.timestamp == nil,
           version = uuid.version(ns), variant = uuid.variant(ns),
           simple = uuid.format(ns, "simple"), urn = uuid.format(ns, "urn"),
           std = uuid.format(string.upper(ns)), braces = uuid.validate("{" .. ns .. "}"),
           bare = uuid.validate("6ba7b8109dad11d180b400c04fd430c8"),
           bad = uuid.validate("6ba7b810-9dad-11d1-80b4"), num = uuid.validate(123),
           none = uuid.validate() }
end }""", NS, modules=["uuid"])
    assert out["info"]["version"] == 1 and out["info"]["variant"] == "RFC4122"
    assert out["info"]["node"] == "00c04fd430c8"
    # the DNS namespace UUID's v1 time: 1998-02-04 22:13:53 UTC, in unix seconds
    assert out["info"]["timestamp"] == 886630433
    assert abs(out["v7ts"] - time.time()) < 60 and out["v4ts"] is True
    assert out["version"] == 1 and out["variant"] == "RFC4122"
    assert out["simple"] == NS.replace("-", "") and out["urn"] == "urn:uuid:" + NS
    assert out["std"] == NS
    assert out["braces"] is True and out["bare"] is True
    assert out["bad"] is False and out["num"] is False and out["none"] is False


def test_bad_input_returns_invalid_errors(runtime):
    out = run(runtime, ERR + """
return { main = function(ns)
  local a, e1 = uuid.v3("invalid", "x")
  local b, e2 = uuid.v5(ns, 42)
  local c, e3 = uuid.version(123)
  local d, e4 = uuid.parse("not-a-uuid")
  local f, e5 = uuid.format(ns, "unknown")
  return { nils = a == nil and b == nil and c == nil and d == nil and f == nil,
           e1 = e(e1), e2 = e(e2), e3 = e(e3), e4 = e(e4), e5 = e(e5) }
end }""", NS, modules=["uuid"])
    assert out["nils"] is True
    for key in ("e1", "e2", "e3", "e4", "e5"):
        assert out[key]["kind"] == INVALID and out[key]["retryable"] is False, key
    assert "namespace" in out["e1"]["message"] and "name must be a string" in out["e2"]["message"]
    assert "uuid.version" in out["e3"]["message"] and "unknown" in out["e5"]["message"]
