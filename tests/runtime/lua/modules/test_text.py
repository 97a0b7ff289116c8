"""The `text` module from real Lua: RE2-style regexps (byte indices, Go's replacement and split
rules, RE2's refusals), diffs and patches (checked against diff-match-patch), and splitters."""

from __future__ import annotations

import pytest
from diff_match_patch import diff_match_patch
from lua_modules_helpers import ERR, run
from wippy_runtime.errors import INVALID, CallError


def test_regexp_methods(runtime):
    out = run(runtime, """
return { main = function()
  local re = text.regexp.compile("(?P<word>[a-z]+)(?P<num>[0-9]+)")
  local digits = text.regexp.compile("[0-9]+")
  local comma = text.regexp.compile(",")
  local s = "é page1 here"
  local page = text.regexp.compile("page\\\\d+")
  local idx = page:find_string_index(s)
  return { match = digits:match_string("a1"), no = digits:match_string("abc"),
           first = digits:find_string("x12y34"), none = digits:find_string("xy") == nil,
           all = digits:find_all_string("a1b22c333"), sub = re:find_string_submatch("ab12"),
           allsub = re:find_all_string_submatch("a1 b2"), names = re:subexp_names(),
           n = re:num_subexp(), src = digits:string(),
           rep = re:replace_all_string("ab12 cd34", "${num}-$word$$"),
           split = comma:split("a,b,c"), limited = comma:split("a,b,c,d", 2),
           zero = #comma:split("a,b", 0), idx = idx, sliced = s:sub(idx[1], idx[2]),
           all_idx = digits:find_all_string_index("a1b22"),
           no_idx = digits:find_all_string_index("ab") == nil,
           ascii = text.regexp.compile("^\\\\w+$"):match_string("é") }
end }""", modules=["text"])
    assert out["match"] is True and out["no"] is False and out["none"] is True
    assert out["first"] == "12" and out["all"] == ["1", "22", "333"]
    assert out["sub"] == ["ab12", "ab", "12"]
    assert out["allsub"] == [["a1", "a", "1"], ["b2", "b", "2"]]
    assert out["names"] == ["", "word", "num"] and out["n"] == 2 and out["src"] == "[0-9]+"
    assert out["rep"] == "12-ab$ 34-cd$"
    assert out["split"] == ["a", "b", "c"] and out["limited"] == ["a", "b,c,d"]
    assert out["zero"] == 0
    assert out["idx"] == [4, 8] and out["sliced"] == "page1"  # é is two bytes
    assert out["all_idx"] == [[2, 2], [4, 5]] and out["no_idx"] is True
    assert out["ascii"] is False  # RE2's \\w is ASCII


def test_regexp_compile_errors(runtime):
    out = run(runtime, ERR + """
return { main = function()
  local r = {}
  for i, p in ipairs({ "[", "(?P<>)", "*", "(a)\\\\1", "(?=x)" }) do
    local re, err = text.regexp.compile(p)
    r[i] = { none = re == nil, err = e(err) }
  end
  r.named = text.regexp.compile("(?<x>a)") ~= nil
  return r
end }""", modules=["text"])
    for i in range(1, 6):
        row = out[i - 1] if isinstance(out, list) else out[i]
        assert row["none"] is True and row["err"]["kind"] == INVALID
        assert row["err"]["retryable"] is False and "regex" in row["err"]["message"]
    with pytest.raises(CallError, match=r"bad argument #1 to 'text.regexp.compile'"):
        run(runtime, "return { main = function() text.regexp.compile(nil) end }",
            modules=["text"])


def test_regexp_errors_keep_positions(runtime):
    out = run(runtime, """
return { main = function()
  local _, err = text.regexp.compile("(?=x)")
  return tostring(err)
end }""", modules=["text"])
    assert "lookaround" in out


def test_diff_and_patches(runtime):
    t1 = "The quick brown fox jumps over the lazy dog"
    t2 = "The quick red fox jumps over the lazy cat"
    out = run(runtime, """
return { main = function(t1, t2)
  local d = text.diff.new({ diff_timeout = 2.0 })
  local diffs = d:compare(t1, t2)
  local patches = d:patch_make(t1, t2)
  local result, ok = d:patch_apply(patches, t1)
  return { diffs = diffs, summary = d:summarize(diffs), pretty = d:pretty_text(diffs),
           html = d:pretty_html(diffs), result = result, ok = ok, n = #patches,
           same = d:compare("x", "x") }
end }""", t1, t2, modules=["text"])
    expected = diff_match_patch().diff_main(t1, t2, False)
    ops = {0: "equal", -1: "delete", 1: "insert"}
    assert out["diffs"] == [{"operation": ops[o], "text": t} for o, t in expected]
    assert out["summary"]["insertions"] == sum(len(t) for o, t in expected if o == 1)
    assert out["summary"]["equals"] == sum(len(t) for o, t in expected if o == 0)
    assert "\x1b[32m" in out["pretty"] and "<ins" in out["html"] and "<del" in out["html"]
    assert out["result"] == t2 and out["ok"] is True and out["n"] == 2
    assert out["same"] == [{"operation": "equal", "text": "x"}]


def test_recursive_and_markdown_splitters(runtime):
    out = run(runtime, """
return { main = function(long, md)
  local s = text.splitter.recursive({ chunk_size = 100, chunk_overlap = 20 })
  local chunks = s:split_text(long)
  local batch = s:split_batch({ { content = long, metadata = { page = 1 } },
                                { content = "", metadata = { page = 2 } },
                                { content = "short" } })
  local m = text.splitter.markdown({ chunk_size = 60, code_blocks = true,
                                     heading_hierarchy = true })
  return { chunks = chunks, batch_n = #batch, meta = batch[1].metadata.page,
           last_meta = next(batch[#batch].metadata) == nil, md = m:split_text(md) }
end }""", " ".join(f"word{i}" for i in range(60)),
              "# Title\nIntro text.\n## Part\nBody of part.\n```lua\nlocal x = 1\n```\n",
              modules=["text"])
    chunks = out["chunks"]
    assert len(chunks) > 3 and all(len(c) <= 100 for c in chunks)
    # consecutive chunks overlap, and together they cover every word
    assert chunks[0].split()[-1] in chunks[1]
    assert set(" ".join(chunks).split()) == {f"word{i}" for i in range(60)}
    assert out["batch_n"] == len(chunks) + 1 and out["meta"] == 1 and out["last_meta"] is True
    md = out["md"]
    assert md[0].startswith("# Title")
    assert any(c.startswith("# Title\n## Part") for c in md)  # heading path kept
    # the code block is one chunk of its own (under its heading path)
    assert any(c.endswith("```lua\nlocal x = 1\n```") and "Body" not in c for c in md)
