"""The `env` module and the `env.storage.*` kinds from real Lua: lookup by variable name or
entry id, memory / os / static / file / router storages, defaults, read-only variables and
storages, `get_all`, and the `env.get` / `env.set` permissions."""

from __future__ import annotations

import pytest
import yaml
from lua_modules_helpers import ERR, policy, run
from wippy_runtime.errors import INVALID, NOT_FOUND, PERMISSION_DENIED, CallError


def _load(rt, entries, base_dir=None):
    report = rt.load_text(yaml.safe_dump({"namespace": "cfg", "entries": entries}),
                          base_dir=base_dir)
    assert report.errors == [], report.errors


@pytest.fixture
def env_app(runtime, tmp_path, monkeypatch):
    monkeypatch.setenv("WIPPY_ENV_TEST_OS", "from-os")
    (tmp_path / "app.env").write_text("# settings\nFILE_VAR=from-file # note\n")
    _load(runtime, [
        {"name": "mem", "kind": "env.storage.memory"},
        {"name": "os", "kind": "env.storage.os"},
        {"name": "static", "kind": "env.storage.static", "values": {"STATIC_VAR": "fixed"}},
        {"name": "file", "kind": "env.storage.file", "file_path": "app.env"},
        {"name": "router", "kind": "env.storage.router", "storages": ["mem", "os"]},
        {"name": "MEM_VAR", "kind": "env.variable", "variable": "MEM_VAR", "storage": "mem"},
        {"name": "os_var", "kind": "env.variable", "variable": "WIPPY_ENV_TEST_OS",
         "storage": "os"},
        {"name": "with_default", "kind": "env.variable", "variable": "UNSET_X",
         "storage": "mem", "default": "dflt"},
        {"name": "locked", "kind": "env.variable", "variable": "LOCKED", "storage": "mem",
         "read_only": True},
        {"name": "static_var", "kind": "env.variable", "variable": "STATIC_VAR",
         "storage": "static"},
        {"name": "file_var", "kind": "env.variable", "variable": "FILE_VAR",
         "storage": "file"},
        {"name": "routed", "kind": "env.variable", "variable": "ROUTED", "storage": "router"},
        {"name": "by_id", "kind": "env.variable", "storage": "mem"},
    ], base_dir=tmp_path)
    return runtime


def test_get_set_across_storages(env_app, tmp_path):
    out = run(env_app, ERR + """
return { main = function()
  local r = {}
  r.os = env.get("WIPPY_ENV_TEST_OS")
  r.dflt = env.get("UNSET_X")
  r.static = env.get("STATIC_VAR")
  r.file = env.get("FILE_VAR")
  r.set = env.set("MEM_VAR", "v1")
  r.mem = env.get("MEM_VAR")
  env.set("FILE_VAR", "changed")
  r.file2 = env.get("FILE_VAR")
  env.set("ROUTED", "r1")
  r.routed = env.get("ROUTED")
  env.set("cfg:by_id", "x")
  r.by_id = env.get("cfg:by_id")
  local _, e1 = env.get("MEM_VAR_MISSING")
  r.missing = e(e1)
  return r
end }""", modules=["env"])
    assert out["os"] == "from-os" and out["dflt"] == "dflt" and out["static"] == "fixed"
    assert out["file"] == "from-file" and out["set"] is True and out["mem"] == "v1"
    assert out["file2"] == "changed" and out["routed"] == "r1" and out["by_id"] == "x"
    assert out["missing"]["kind"] == NOT_FOUND and out["missing"]["retryable"] is False
    assert (tmp_path / "app.env").read_text() == "# settings\nFILE_VAR=changed # note\n"


def test_read_only_and_bad_keys(env_app):
    out = run(env_app, ERR + """
return { main = function()
  local a, e1 = env.set("LOCKED", "x")
  local b, e2 = env.set("WIPPY_ENV_TEST_OS", "x")
  local c, e3 = env.set("STATIC_VAR", "x")
  local d, e4 = env.get("")
  local f, e5 = env.set("", "x")
  return { nils = not (a or b or c or d or f), e1 = e(e1), e2 = e(e2), e3 = e(e3),
           e4 = e(e4), e5 = e(e5) }
end }""", modules=["env"])
    assert out["nils"] is True
    assert out["e1"]["kind"] == PERMISSION_DENIED and "read-only" in out["e1"]["message"]
    assert out["e2"]["kind"] == PERMISSION_DENIED and "storage is read-only" in \
        out["e2"]["message"]
    assert out["e3"]["kind"] == PERMISSION_DENIED
    assert out["e4"]["kind"] == INVALID and out["e5"]["kind"] == INVALID
    with pytest.raises(CallError, match=r"bad argument #1 to 'env.get' \(string expected, "
                                        r"got table\)"):
        run(env_app, "return { main = function() return env.get({}) end }", modules=["env"])


def test_get_all_merges_storages(env_app):
    out = run(env_app, """
return { main = function()
  env.set("MEM_VAR", "m")
  return env.get_all()
end }""", modules=["env"])
    assert out["MEM_VAR"] == "m" and out["WIPPY_ENV_TEST_OS"] == "from-os"
    assert out["STATIC_VAR"] == "fixed" and out["FILE_VAR"] == "from-file"


def test_permissions(env_app):
    allow = policy(env_app, "all")
    deny = policy(env_app, "no_secret", effect="deny", actions=["env.get", "env.set"],
                  resources="WIPPY_ENV_TEST_OS")
    out = run(env_app, ERR + """
return { main = function()
  local v, e1 = env.get("WIPPY_ENV_TEST_OS")
  local ok, e2 = env.set("WIPPY_ENV_TEST_OS", "x")
  local all = env.get_all()
  return { v = v == nil, e1 = e(e1), e2 = e(e2), hidden = all.WIPPY_ENV_TEST_OS == nil,
           other = env.get("STATIC_VAR") }
end }""", modules=["env"], actor="bob", scope=[allow, deny])
    assert out["v"] is True and out["hidden"] is True and out["other"] == "fixed"
    assert out["e1"]["kind"] == PERMISSION_DENIED and "WIPPY_ENV_TEST_OS" in \
        out["e1"]["message"]
    assert out["e2"]["kind"] == PERMISSION_DENIED


def test_storage_definitions_are_validated(runtime):
    report = runtime.load_text(yaml.safe_dump({"namespace": "bad", "entries": [
        {"name": "r", "kind": "env.storage.router", "storages": []},
        {"name": "f", "kind": "env.storage.file"},
        {"name": "v", "kind": "env.variable", "storage": "bad:notastorage"},
        {"name": "notastorage", "kind": "env.storage.static", "values": ["x"]},
    ]}))
    messages = " | ".join(str(e) for e in report.errors)
    assert "bad:r" in messages and "at least one storage" in messages
    assert "bad:f" in messages and "file_path is required" in messages
    assert "bad:notastorage" in messages and "values must map" in messages
