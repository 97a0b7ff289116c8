"""The Jet renderer on its own: statements, expressions through expr-lang, inheritance with
blocks and yields, escaping, and errors that name the template and line."""

from __future__ import annotations

import re

import pytest
from wippy_runtime.lua.modules.jet import (
    TemplateError,
    TemplateNotFound,
    TemplateSet,
    go_text,
    parse,
)


def render(source: str, data: dict | None = None, **others: str) -> str:
    s = TemplateSet(globals_={"site": "S"})
    for name, text in {"t": source, **others}.items():
        s.add(parse(name, text))
    return s.render("t", data or {})


@pytest.mark.parametrize(("source", "data", "expected"), [
    ("Hi {{ name }}!", {"name": "<b>&'\""}, "Hi &lt;b&gt;&amp;&#39;&#34;!"),
    ("{{ name | raw }}{{ unsafe(name) }}", {"name": "<b>"}, "<b><b>"),
    ("{{ n + 1 }} {{ 7 / 2 }} {{ 1e6 }} {{ 0.5 }} {{ true }} {{ nil }}", {"n": 1},
     "2 3.5 1e+06 0.5 true "),
    ("{{ items }} {{ m }}", {"items": [1, "a"], "m": {"b": 2, "a": 1}}, "[1 a] map[a:1 b:2]"),
    ("{{ name | upper | repeat(2) }}", {"name": "ab"}, "ABAB"),
    ("{{ if n > 1 }}big{{ else if n > 0 }}one{{ else }}none{{ end }}", {"n": 1}, "one"),
    ("{{ if items }}has{{ else }}empty{{ end }}", {"items": []}, "empty"),
    ("{{ range i, v := items }}{{ i }}={{ v }};{{ end }}", {"items": ["a", "b"]}, "0=a;1=b;"),
    ("{{ range v := items }}{{ v }}{{ else }}none{{ end }}", {"items": []}, "none"),
    ("{{ range k, v := m }}{{ k }}{{ v }}{{ end }}", {"m": {"b": 2, "a": 1}}, "a1b2"),
    ("{{ range i := ints(0, 3) }}{{ i }}{{ end }}", {}, "012"),
    ("{{ x := 2 }}{{ x = x * 5 }}{{ x }}", {}, "10"),
    ("a  {{- 1 -}}  b {* note *}c", {}, "a1b c"),
    ("{{ site }}/{{ site }}", {"site": "data wins"}, "data wins/data wins"),
    ("{{ isset(missing) ? 'y' : 'n' }}", {}, "n"),
    ("{{ len(users) }} {{ users[0].name }} {{ map(users, .name) }}",
     {"users": [{"name": "a"}, {"name": "b"}]}, "2 a [a b]"),
    ('{{ include "part" }}', {"v": 3}, "part 3"),
])
def test_rendering(source, data, expected):
    assert render(source, data, part="part {{ v }}") == expected


def test_inheritance_blocks_yield_and_import():
    out = render('{{ extends "layout" }}{{ import "lib" }}'
                 '{{ block title() }}T:{{ name }}{{ end }}ignored'
                 '{{ block body() }}{{ yield badge(label="new") }}{{ end }}',
                 {"name": "x"},
                 layout="<h>{{ yield title() }}</h><b>{{ block body() }}default{{ end }}</b>",
                 lib='{{ block badge(label="?") }}[{{ label }}]{{ end }}')
    assert out == "<h>T:x</h><b>[new]</b>"
    assert render("{{ block card(t='d') }}{{ t }}{{ end }}|{{ yield card(t='x') }}") == "d|x"


@pytest.mark.parametrize(("source", "message"), [
    ("{{ if x }}", "t:1: if is never closed with end"),
    ("a\n{{ end }}", "t:2: unexpected 'end'"),
    ("{{ 1 + }}", "t:1: syntax error"),
    ("{{ x", "t:1: unclosed action"),
    ("{{ try }}{{ end }}", "'try' is not supported"),
    ("x{{ extends 'a' }}", "extends needs a template name"),
    ('x{{ extends "a" }}', "extends must come first"),
])
def test_parse_errors_name_template_and_line(source, message):
    with pytest.raises(TemplateError, match=re.escape(message)):
        parse("t", source)


@pytest.mark.parametrize(("source", "message"), [
    ("{{ missing }}", "t:1: identifier 'missing' is not available"),
    ("\n{{ yield nope() }}", "t:2: unknown block 'nope'"),
    ("{{ 'a' + 1 }}", "invalid operation: string + int"),
    ("{{ range v := 'abc' }}{{ end }}", "cannot range over str"),
    ('{{ include "absent" }}', "template 'absent' not found"),
    ("{{ x = 1 }}", "variable 'x' is not declared"),
])
def test_render_errors(source, message):
    with pytest.raises(TemplateError, match=re.escape(message)):
        render(source)


def test_missing_template_is_its_own_error_and_cycles_stop():
    s = TemplateSet()
    with pytest.raises(TemplateNotFound):
        s.render("nope", {})
    s.add(parse("a", '{{ include "a" }}'))
    with pytest.raises(TemplateError, match="nest more than 64 deep"):
        s.render("a", {})


def test_custom_delimiters():
    s = TemplateSet("<<", ">>")
    s.add(parse("t", "<< if ok >>yes<< end >> {{ not code }}", "<<", ">>"))
    assert s.render("t", {"ok": True}) == "yes {{ not code }}"


def test_go_formatting_of_values():
    assert [go_text(v) for v in (1.0, 123456.0, 1234567.0, 1e-5, 2.5, float("inf"))] == [
        "1", "123456", "1.234567e+06", "1e-05", "2.5", "+Inf"]
