"""The `templates` module over `template.set` / `template.jet` entries, from real Lua: render
with data and globals, inheritance across entries, Wippy's error kinds, permissions, and
template syntax errors reported when the entry loads."""

from __future__ import annotations

import pytest
import yaml
from lua_modules_helpers import ERR
from wippy_runtime.errors import INTERNAL, INVALID, NOT_FOUND, PERMISSION_DENIED, LoadError

APP = {"namespace": "app", "entries": [
    {"name": "web", "kind": "template.set",
     "engine": {"delimiters": {"left": "[[", "right": "]]"}, "globals": {"brand": "Acme"}}},
    {"name": "layout", "kind": "template.jet", "set": "web",
     "source": "<title>[[ yield title() ]] - [[ brand ]]</title>[[ yield body() ]]"},
    {"name": "home_entry", "kind": "template.jet", "set": "web", "meta": {"name": "home"},
     "source": '[[ extends "layout" ]][[ block title() ]]Home[[ end ]]'
               "[[ block body() ]][[ range u := users ]]<li>[[ u.name ]]</li>[[ end ]][[ end ]]"},
]}


@pytest.fixture
def web(rt):
    report = rt.load_text(yaml.safe_dump(APP))
    assert report.errors == [], report.errors


def test_render_inheritance_globals_and_escaping(run, web):
    out = run("""
local set = templates.get("app:web")
local html = set:render("home", { users = { {name = "a<b"}, {name = "c"} } })
local before = tostring(set)
set:release()
return { html = html, before = before, after = tostring(set), again = set:release() }
""", ["templates"])
    assert out == {"html": "<title>Home - Acme</title><li>a&lt;b</li><li>c</li>",
                   "before": "template.Set{}", "after": "template.Set{released}",
                   "again": True}


def test_errors_have_wippy_kinds(run, web, rt):
    rt.define({"id": "app:files", "kind": "fs.directory", "directory": "/tmp"})
    out = run(ERR + """
local set = templates.get("app:web")
local a, e1 = set:render("nope")
local b, e2 = set:render("")
local c, e3 = set:render("layout", {})
local d, e4 = templates.get("")
local f, e5 = templates.get("app:missing")
local g, e6 = templates.get("app:files")
set:release()
local h, e7 = set:render("home", {})
return { e1 = e(e1), e2 = e(e2), e3 = e(e3), e4 = e(e4), e5 = e(e5), e6 = e(e6), e7 = e(e7) }
""", ["templates"])
    assert out["e1"]["kind"] == NOT_FOUND and "nope" in out["e1"]["message"]
    assert out["e2"]["kind"] == INVALID and out["e4"]["kind"] == INVALID
    assert out["e3"]["kind"] == INTERNAL and "unknown block 'title'" in out["e3"]["message"]
    assert out["e5"]["kind"] == INTERNAL and "app:missing" in out["e5"]["message"]
    assert out["e6"]["kind"] == INTERNAL and "not a template set" in out["e6"]["message"]
    assert out["e7"]["kind"] == INTERNAL and "released" in out["e7"]["message"]


def test_template_get_permission(run, web, policy):
    allow = policy("allow_all")
    deny = policy("no_web", actions="template.get", resources="app:web", effect="deny")
    out = run(ERR + """
local s, err = templates.get("app:web")
return e(err)
""", ["templates"], actor="bob", scope=[allow, deny])
    assert out["kind"] == PERMISSION_DENIED and "app:web" in out["message"]


def test_syntax_errors_fail_the_entry_at_load_and_others_keep_working(rt, run, web):
    report = rt.load_text(yaml.safe_dump({"namespace": "app", "entries": [
        {"name": "broken", "kind": "template.jet", "set": "web",
         "source": "ok\n[[ if x ]]never closed"},
        {"name": "orphan", "kind": "template.jet", "set": "nowhere", "source": "x"}]}))
    messages = [str(e) for e in report.errors]
    assert any("app:broken" in m and "broken:2: if is never closed" in m for m in messages)
    assert any("app:orphan" in m for m in messages)
    assert run('return templates.get("app:web"):render("home", {users = {}})',
               ["templates"]) == "<title>Home - Acme</title>"


def test_bad_set_options_name_the_field(rt):
    with pytest.raises(LoadError, match="engine.delimiters"):
        rt.define({"id": "app:bad", "kind": "template.set",
                   "engine": {"delimiters": {"left": ""}}})
