"""The `treesitter` module from real Lua over real grammars: parse, query, walk, every object's
lifecycle; bad languages and patterns are `nil, err` (INVALID) and the runtime keeps working;
a runtime without the library refuses the entry at load, naming the package to install."""

from __future__ import annotations

import sys

import pytest
from lua_modules_helpers import ERR, run
from wippy_runtime.errors import INVALID, ValidationError

GO = "package main\\n\\nfunc a() {}\\nfunc b(x int) int { return x }\\n"


def test_parse_and_navigate(runtime):
    out = run(runtime, """
return { main = function()
  local code = "%s"
  local tree = treesitter.parse("golang", code)
  local root = tree:root_node()
  local fn = root:named_child(1)
  local name = fn:child_by_field_name("name")
  return { root = root:kind(), children = root:named_child_count(), fn = fn:kind(),
           name = name:text(), name_again = name:text(code), parent = name:parent():kind(),
           start = name:start_point(), stop = name:end_point(), err = root:has_error(),
           sexp = root:child(0):to_sexp(), next = fn:next_named_sibling():kind(),
           lang = tree:language():name(), nil_child = root:child(99) == nil }
end }""" % GO, modules=["treesitter"])
    assert out["root"] == "source_file" and out["children"] == 3
    assert out["fn"] == "function_declaration" and out["name"] == "a" == out["name_again"]
    assert out["parent"] == "function_declaration"
    assert out["start"] == {"row": 2, "column": 5} and out["stop"] == {"row": 2, "column": 6}
    assert out["err"] is False and out["next"] == "function_declaration"
    assert out["sexp"].startswith("(package_clause") and out["lang"] == "go"
    assert out["nil_child"] is True


def test_query_captures_in_document_order_with_text_predicates(runtime):
    out = run(runtime, """
return { main = function()
  local code = "%s"
  local tree = treesitter.parse("go", code)
  local q = treesitter.query("go", "(function_declaration name: (identifier) @fn)")
  local names = {}
  for i, c in ipairs(q:captures(tree:root_node(), code)) do names[i] = c.name .. "=" .. c.text end
  local only_b = treesitter.query("go", '((identifier) @id (#eq? @id "b"))')
  local matches = only_b:matches(tree:root_node(), code)
  return { names = names, count = q:capture_count(), patterns = q:pattern_count(),
           id = q:capture_index_for_name("fn"), cname = q:capture_name_for_id(0),
           matches = #matches, match_name = matches[1].captures[1].name,
           match_text = matches[1].captures[1].node:text() }
end }""" % GO, modules=["treesitter"])
    assert out["names"] == ["fn=a", "fn=b"]
    assert out["count"] == 1 and out["patterns"] == 1 and out["id"] == 0 and out["cname"] == "fn"
    assert out["matches"] == 1 and out["match_name"] == "id" and out["match_text"] == "b"


def test_cursor_walk_and_copy(runtime):
    out = run(runtime, """
return { main = function()
  local tree = treesitter.parse("py", "x = 1\\ny = 2\\nz = 3\\n")
  local c = tree:walk()
  local kinds = {}
  c:goto_first_child()
  repeat kinds[#kinds + 1] = c:current_node():kind() until not c:goto_next_sibling()
  local twin = c:copy()
  twin:goto_parent()
  local depth_c, depth_twin = c:current_depth(), twin:current_depth()
  c:close(); c:close(); twin:close()
  tree:close(); tree:close()
  local r, err = tree:root_node()
  return { kinds = kinds, depth_c = depth_c, depth_twin = depth_twin, closed = err:kind() }
end }""", modules=["treesitter"])
    assert len(out["kinds"]) == 3  # one node per statement
    assert out["depth_c"] == 1 and out["depth_twin"] == 0
    assert out["closed"] == INVALID


def test_parser_object_and_language_metadata(runtime):
    out = run(runtime, """
return { main = function()
  local p = treesitter.parser()
  local none, nerr = p:get_language()
  local ok = p:set_language("cs")
  local tree = p:parse("class Foo {}")
  local lang = treesitter.language("lua")
  local id = lang:id_for_node_kind("chunk", true)
  local bad_ok, bad_err = p:set_language("cobol")
  p:close()
  local after, aerr = p:parse("class X {}")
  return { unset = nerr:kind(), ok = ok, name = p:get_language() == nil, lang = "c#",
           root = tree:root_node():kind(), kind = lang:node_kind_for_id(id),
           version = lang:version(), bad_ok = bad_ok, bad = bad_err:kind(), closed = aerr:kind(),
           langs = treesitter.supported_languages() }
end }""", modules=["treesitter"])
    assert out["unset"] == INVALID and out["ok"] is True
    assert out["root"] == "compilation_unit" and out["kind"] == "chunk" and out["version"] >= 14
    assert out["bad_ok"] is False and out["bad"] == INVALID and out["closed"] == INVALID
    assert set(out["langs"]) == {"lua", "php", "go", "javascript", "typescript+jsx",
                                 "typescript", "python", "c#", "html", "markdown", "sql"}


def test_bad_language_and_pattern_are_invalid_and_runtime_keeps_working(runtime):
    src = ERR + """
return { main = function()
  local t, e1 = treesitter.parse("klingon", "x")
  local q, e2 = treesitter.query("go", "((unclosed")
  local q2, e3 = treesitter.query("go", "(no_such_node) @x")
  return { t = t == nil, e1 = e(e1), e2 = e(e2), e3 = e(e3) }
end }"""
    out = run(runtime, src, modules=["treesitter"])
    assert out["t"] is True
    for key in ("e1", "e2", "e3"):
        assert out[key]["kind"] == INVALID and out[key]["retryable"] is False
    assert "klingon" in out["e1"]["message"]
    assert "go query pattern" in out["e2"]["message"]
    assert "no_such_node" in out["e3"]["message"]
    ok = run(runtime, """
return { main = function() return treesitter.parse("go", "package p"):root_node():kind() end }""",
             modules=["treesitter"])
    assert ok == "source_file"


def test_tree_edit_and_reparse(runtime):
    out = run(runtime, """
return { main = function()
  local p = treesitter.parser()
  p:set_language("javascript")
  local old = p:parse("let a = 1;")
  local ok = old:edit({ start_byte = 4, old_end_byte = 5, new_end_byte = 7, start_row = 0,
    start_column = 4, old_end_row = 0, old_end_column = 5, new_end_row = 0, new_end_column = 7 })
  local new = p:parse("let abc = 1;", old)
  local bad, berr = old:edit({ start_byte = -1 })
  return { ok = ok, text = new:root_node():child(0):text(), bad = bad, berr = berr:kind(),
           changed = #new:changed_ranges(old) >= 0, dot = new:dot_graph():find("digraph") ~= nil }
end }""", modules=["treesitter"])
    assert out["ok"] is True and out["text"] == "let abc = 1;"
    assert out["bad"] is False and out["berr"] == INVALID
    assert out["changed"] is True and out["dot"] is True


def test_missing_library_fails_at_load_naming_the_package(runtime, monkeypatch):
    # the one permitted fake: the library made unimportable, as on a runtime without the extra
    monkeypatch.setitem(sys.modules, "tree_sitter_language_pack", None)
    with pytest.raises(ValidationError) as info:
        run(runtime, "return { main = function() return 1 end }", modules=["treesitter"])
    message = str(info.value)
    assert "treesitter" in message and "tree-sitter-language-pack" in message
    assert "wippy-kernel[modules]" in message
