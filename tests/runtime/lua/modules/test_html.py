"""The `html` module's sanitize policies from real Lua over nh3: element and attribute rules,
value patterns, URL rules, the presets; a bad pattern is `nil, err` (INVALID)."""

from __future__ import annotations

import sys

import pytest
from lua_modules_helpers import ERR
from wippy_runtime.errors import INVALID, ValidationError


def test_empty_and_strict_policies_strip_tags_and_script_content(run):
    out = run("""
local p = html.sanitize.new_policy()
local s = html.sanitize.strict_policy()
return { p:sanitize('<b>bold</b><script>evil()</script><style>x{}</style>!'),
         s:sanitize('<p>a &amp; b <!-- c --></p>') }
""", ["html"])
    assert out == ["bold!", "a &amp; b "]


def test_elements_attributes_and_patterns(run):
    out = run("""
local p = html.sanitize.new_policy()
p:allow_elements("div", "SPAN")
local b = p:allow_attrs("class"):matching("^[a-z]+$")
b:on_elements("div")
p:allow_attrs("title"):globally()
return {
  p:sanitize('<div class="ok" onclick="x()">a</div>'),
  p:sanitize('<div class="NOT ok">b</div>'),
  p:sanitize('<span class="ok" title="t">c</span>'),
}
""", ["html"])
    assert out == ['<div class="ok">a</div>', "<div>b</div>", '<span title="t">c</span>']


def test_url_rules(run):
    out = run("""
local p = html.sanitize.new_policy()
p:allow_elements("a")
p:allow_attrs("href"):on_elements("a")
local loose = p:sanitize('<a href="/rel">r</a><a href="javascript:alert(1)">j</a>')
p:allow_url_schemes("https")
local strict = p:sanitize('<a href="/rel">r</a><a href="http://x.test/">h</a>' ..
                          '<a href="https://x.test/">s</a>')
p:allow_relative_urls(true)
local rel = p:sanitize('<a href="/rel">r</a>')
p:require_nofollow_on_links(true):require_noreferrer_on_links(true)
local rel_attr = p:sanitize('<a href="https://x.test/">s</a>')
local img = html.sanitize.new_policy():allow_images():allow_data_uri_images()
return { loose = loose, strict = strict, rel = rel, rel_attr = rel_attr,
         data = img:sanitize('<img src="data:image/png;base64,iVBORw0KGgo=" alt="ok">'),
         bad_data = img:sanitize('<img src="data:text/html;base64,PGI+">') }
""", ["html"])
    assert out["loose"] == '<a href="/rel">r</a><a>j</a>'  # nh3 always drops javascript:
    assert out["strict"] == '<a>r</a><a>h</a><a href="https://x.test/">s</a>'
    assert out["rel"] == '<a href="/rel">r</a>'
    assert out["rel_attr"] == '<a href="https://x.test/" rel="nofollow noreferrer">s</a>'
    assert out["data"] == '<img src="data:image/png;base64,iVBORw0KGgo=" alt="ok">'
    assert out["bad_data"] == "<img>"


def test_ugc_preset_groups_and_standard_attributes(run):
    out = run("""
local u = html.sanitize.ugc_policy()
local p = html.sanitize.new_policy():allow_lists():allow_tables():allow_standard_attributes()
p:allow_elements("p")
return {
  u:sanitize('<p><strong>a</strong> <a href="https://x.test">l</a><iframe src="x"></iframe></p>'),
  p:sanitize('<ol start="2" type="x"><li value="3">i</li></ol><table><tr><td colspan="2">c' ..
             '</td></tr></table><p id="ok" dir="sideways">t</p>'),
}
""", ["html"])
    assert out[0] == '<p><strong>a</strong> <a href="https://x.test" rel="nofollow">l</a></p>'
    assert out[1] == ('<ol start="2"><li value="3">i</li></ol><table><tbody><tr><td colspan="2">'
                      'c</td></tr></tbody></table><p id="ok">t</p>')


def test_invalid_pattern_is_invalid_and_policy_still_works(run):
    out = run(ERR + """
local p = html.sanitize.new_policy()
p:allow_elements("b")
local r, err = p:allow_attrs("class"):matching("[unclosed")
return { r = r == nil, err = e(err), after = p:sanitize("<b>x</b><i>y</i>") }
""", ["html"])
    assert out["r"] is True and out["err"]["kind"] == INVALID
    assert out["err"]["retryable"] is False and "[unclosed" in out["err"]["message"]
    assert out["after"] == "<b>x</b>y"


def test_missing_library_fails_at_load_naming_the_package(run, monkeypatch):
    monkeypatch.setitem(sys.modules, "nh3", None)
    with pytest.raises(ValidationError, match=r"module 'html' needs the Python package 'nh3'"):
        run("return 1", ["html"])
