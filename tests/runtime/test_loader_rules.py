"""The real runtime's loader rules: each one loads what the old loader refused, and a wrong
definition still fails with a clear error naming the entry (or the lock file)."""

from __future__ import annotations

from pathlib import Path

import pytest
from wippy_runtime import Runtime
from wippy_runtime.errors import NOT_FOUND, CallError, LoadError, ValidationError


@pytest.fixture
def rt(tmp_path: Path):
    runtime = Runtime(cache_dir=False)
    yield runtime
    runtime.close()


def lua_entry(**fields) -> dict:
    return {"id": "t:f", "kind": "function.lua", "method": "main",
            "source": "return { main = function() return 1 end }", **fields}


# -- unknown fields ---------------------------------------------------------------------
def test_unknown_field_is_warned_about_and_the_entry_loads(rt, write_app):
    app = write_app({"_index.yaml": "namespace: t\nentries:\n  - name: f\n"
                                    "    kind: function.lua\n    method: main\n"
                                    "    security: {actor: {id: x}}\n"
                                    "    source: 'return { main = function() return 7 end }'\n"})
    report = rt.load(app)
    assert report.errors == []
    assert report.warnings == [f"{app / '_index.yaml'}:6: t:f: unknown field(s) for "
                               "function.lua: security (ignored)"]
    assert rt.call("t:f") == 7


def test_a_wrong_known_field_is_still_an_error(rt):
    with pytest.raises(ValidationError, match="t:f: modules must be a list of module names"):
        rt.define(lua_entry(modules="json", colour="red"))


# -- modules: channel, os, payload --------------------------------------------------------
def test_modules_may_list_the_global_modules(rt):
    rt.define(lua_entry(modules=["channel", "os", "payload", "json"], source="""
local ch = require("channel")
return { main = function()
  local c = ch.new(1); c:send(2)
  local v = c:receive()
  local os_ = require("os")
  return { v = v, os = type(os_.time()), p = type(require("payload").new),
           platform = os_.platform, diff = os_.difftime(30, 10), exec = os_.execute == nil }
end }"""))
    assert rt.call("t:f") == {"v": 2, "os": "number", "p": "userdata", "platform": "wippy",
                              "diff": 20, "exec": True}


def test_an_unknown_module_is_still_an_error(rt):
    with pytest.raises(ValidationError, match="t:f: unknown module 'nosuch'"):
        rt.define(lua_entry(modules=["channel", "nosuch"]))


# -- a chunk returning its function ------------------------------------------------------
def test_chunk_returning_a_function_is_the_entrys_method(rt):
    rt.define(lua_entry(source="local function main(a, b) return a * b end\nreturn main"))
    assert rt.call("t:f", 6, 7) == 42


def test_chunk_returning_neither_table_nor_function_fails_naming_the_entry(rt):
    with pytest.raises(LoadError, match="t:f: method 'main' not found.*or one function"):
        rt.define(lua_entry(source="return 42"))


# -- imports of built-in modules ---------------------------------------------------------
def test_imports_a_builtin_module_under_an_alias(rt):
    rt.define(lua_entry(imports={"j": ":json"}, source="""
return { main = function()
  return { text = j.encode({ 1, 2 }), global = type(rawget(_G, "json")) }
end }"""))
    assert rt.call("t:f") == {"text": "[1,2]", "global": "nil"}


def test_imports_of_an_unknown_builtin_module_fail(rt):
    with pytest.raises(ValidationError, match="t:f: imports.x: unknown module 'nosuch'"):
        rt.define(lua_entry(imports={"x": ":nosuch"}))


# -- fs.directory auto_init --------------------------------------------------------------
def test_auto_init_creates_the_directory(rt, tmp_path):
    target = tmp_path / "made" / "here"
    built = rt.define({"id": "t:d", "kind": "fs.directory", "directory": str(target),
                       "auto_init": True, "mode": "0750"})
    assert target.is_dir() and built.root == target.resolve()
    assert target.stat().st_mode & 0o777 == 0o750


def test_missing_directory_without_auto_init_says_how_to_fix_it(rt, tmp_path):
    with pytest.raises(LoadError, match=r"t:d: directory .* does not exist .*auto_init: true"):
        rt.define({"id": "t:d", "kind": "fs.directory", "directory": str(tmp_path / "nope")})
    with pytest.raises(ValidationError, match="t:d: auto_init must be true or false"):
        rt.define({"id": "t:d", "kind": "fs.directory", "directory": str(tmp_path / "n"),
                   "auto_init": "yes"})
    assert not (tmp_path / "n").exists()


# -- wippy.lock --------------------------------------------------------------------------
LOCK = """directories:
    modules: .wippy
    src: ./src
replacements:
    - from: acme/assets
      to: ./modules/assets
"""


def project(write_app, lock: str = LOCK) -> Path:
    return write_app({
        "wippy.lock": lock,
        "src/_index.yaml": "namespace: app\nentries:\n  - name: f\n    kind: function.lua\n"
                           "    method: main\n    source: file://f.lua\n",
        "src/f.lua": "return { main = function() return 'app' end }",
        "modules/assets/src/_index.yaml": "namespace: acme.assets\nentries:\n"
                                          "  - name: files\n    kind: fs.directory\n"
                                          "    directory: ./assets\n    auto_init: true\n",
        "modules/assets/assets/hello.txt": "hi",
        "ignored/_index.yaml": "namespace: nope\nentries:\n  - name: x\n    kind: bogus\n",
    })


def test_lock_loads_src_and_replacements_with_module_roots(rt, write_app):
    app = project(write_app)
    report = rt.load(app)
    assert report.errors == []
    assert rt.call("app:f") == "app"
    files = rt.built["acme.assets:files"]
    # a module's relative fs.directory resolves against the module's root, not the app's
    assert files.root == (app / "modules" / "assets" / "assets").resolve()
    assert rt.entries["acme.assets:files"].meta["module"] == "acme/assets"
    assert "nope:x" not in rt.entries and "nope:x" not in rt.failed  # only the lock's trees


@pytest.mark.parametrize("lock, message", [
    ("directories:\n    modules: .wippy\n", "directories.src is required"),
    ("directories:\n    modules: .wippy\n    src: ./missing\n",
     "directories.src './missing' does not exist"),
    (LOCK.replace("./modules/assets", "./modules/gone"),
     "replacements[0]: path './modules/gone' for acme/assets does not exist"),
    (LOCK.replace("acme/assets", "not-a-module-name"),
     "replacements[0].from must be a module name org/module"),
    (LOCK + "modules:\n    - name: acme/http\n      version: v1.0.0\n",
     "module acme/http is not installed"),
    ("directories: [1]\n", "needs `directories:`"),
])
def test_a_bad_lock_file_is_a_clear_error_naming_it(rt, write_app, lock, message):
    app = project(write_app, lock)
    report = rt.load(app)
    (err,) = report.errors
    assert message in str(err) and str(app / "wippy.lock") in str(err)


def test_calling_an_entry_that_failed_to_load_says_why(rt):
    rt.load_text("namespace: t\nentries:\n  - name: bad\n    kind: function.lua\n"
                 "    method: main\n    modules: [nosuch]\n"
                 "    source: 'return { main = function() end }'\n")
    rt.define(lua_entry(id="t:caller", modules=["funcs"], source="""
return { main = function()
  local _, err = funcs.call("t:bad")
  local _, none = funcs.call("t:none")
  return { err = tostring(err), kind = err:kind(), none = tostring(none) }
end }"""))
    out = rt.call("t:caller")
    assert out["err"].startswith("t:bad: failed to load: unknown module 'nosuch'")
    assert out["kind"] == NOT_FOUND and out["none"] == "t:none: no such entry"
    with pytest.raises(CallError, match="t:bad: failed to load: unknown module 'nosuch'"):
        rt.call("t:bad")
