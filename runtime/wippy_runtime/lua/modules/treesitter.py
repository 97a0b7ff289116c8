"""The `treesitter` module: parse source code into syntax trees and query them.

Backed by py-tree-sitter (the official bindings) with the grammars of
tree-sitter-language-pack. The pack is pinned below 1.0 because its 1.x line downloads grammars
from the network on first use; 0.13 ships them inside the wheel, so parsing works offline and
the same grammar builds are used on every machine.

Wippy's surface is kept: the eleven languages and aliases of the real module
(`supported_languages()` lists the canonical names: `go`, `c#`, `typescript+jsx`, ...),
`parse/parser/query/language`, and Parser, Tree, Node, Query, Cursor and Language objects whose
methods take 0-based indices. A wrong language or query pattern is `nil, err` (INVALID, never
retryable); `close()` of any object is idempotent and a closed tree, parser or query answers
`nil, err`. Nodes keep their tree's source, so `node:text()` needs no argument.

Where the library shapes the behaviour:
- `query:captures/matches` evaluate text predicates (`#eq?`, `#match?`, ...) against the source
  the tree was parsed from (py-tree-sitter reads node text from the tree); the `source` argument
  only supplies the `text` field of each capture, as in Wippy. Captures are in document order
  (start byte, then pattern, then capture index).
- The Markdown grammar is the block grammar: inline nodes (`inline_link`, `image`) are not in
  it, so a query naming them is INVALID (Wippy's fork merged both; Wippy's own tests accept
  either).
- Timeouts (`parser:set_timeout`, `query:set_timeout`) use the library's progress callbacks;
  a parse past its deadline is `nil, err` (TIMEOUT).
- `query:get_text_predicates` is not offered: the bindings do not expose parsed text
  predicates (they evaluate them instead).
"""

from __future__ import annotations

import tempfile
import time
from typing import TYPE_CHECKING, Any

from ...errors import INTERNAL, INVALID, TIMEOUT
from ..objects import bad_argument, fail, lua_class, text_arg
from ._optional import load

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

#: canonical name -> (aliases, tree-sitter-language-pack name), as the real module lists them
LANGUAGES: dict[str, tuple[tuple[str, ...], str]] = {
    "lua": (("lua",), "lua"),
    "php": (("php",), "php"),
    "go": (("go", "golang"), "go"),
    "javascript": (("js", "javascript"), "javascript"),
    "typescript+jsx": (("tsx",), "tsx"),
    "typescript": (("ts", "typescript"), "typescript"),
    "python": (("python", "py"), "python"),
    "c#": (("csharp", "c#", "cs"), "csharp"),
    "html": (("html", "html5"), "html"),
    "markdown": (("markdown", "md"), "markdown"),
    "sql": (("sql",), "sql"),
}
ALIASES = {alias: name for name, (aliases, _) in LANGUAGES.items() for alias in aliases}


class _Handle:
    """A closable library object (parser, tree, query, cursor)."""

    __slots__ = ("obj", "extra")

    def __init__(self, obj: Any, **extra: Any) -> None:
        self.obj = obj
        self.extra = extra


class _NodeH:
    __slots__ = ("node", "source", "lang")

    def __init__(self, node: Any, source: bytes, lang: str) -> None:
        self.node = node
        self.source = source
        self.lang = lang


def _any_predicate(*_: Any) -> bool:
    return True


def _duration(fn: str, value: Any) -> float:
    """Seconds from Wippy's duration argument: nanoseconds, or a Go duration string."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) / 1e9
    if isinstance(value, bytes):
        from .time import parse_go_duration  # the time module's Go duration parser

        try:
            return parse_go_duration(value.decode()) / 1e9
        except ValueError as exc:
            raise bad_argument(fn, 1, "duration", f"Go duration ({exc})", value) from None
    raise bad_argument(fn, 1, "duration", "number or string", value)


def install(state: LuaState, runtime: LuaHost) -> None:
    ts = load("treesitter", "tree_sitter")
    pack = load("treesitter", "tree_sitter_language_pack")
    lua = state.lua
    grammars: dict[str, Any] = {}

    def table(fields: dict[str, Any]) -> Any:
        t = lua.table()
        for k, v in fields.items():
            t[k.encode()] = v.encode() if isinstance(v, str) else v
        return t

    def array(items: list[Any]) -> Any:
        t = lua.table()
        for i, v in enumerate(items, 1):
            t[i] = v
        return t

    def point(p: Any) -> Any:
        return table({"row": p[0], "column": p[1]})

    def point_arg(fn: str, index: int, value: Any) -> tuple[int, int]:
        if lua_type(value) != "table":
            raise bad_argument(fn, index, "point", "table {row, column}", value)
        return int(value[b"row"] or 0), int(value[b"column"] or 0)

    type_of = lua.eval("type")

    def lua_type(value: Any) -> str:
        t = type_of(value)
        return t.decode() if isinstance(t, bytes) else str(t)

    def resolve(fn: str, alias: Any) -> tuple[str, Any] | tuple[None, Any]:
        """(canonical name, Language) for an alias, or (None, Lua's `nil, err`)."""
        name = ALIASES.get(text_arg(fn, 1, "language", alias))
        if name is None:
            given = alias.decode("utf-8", "replace")
            return None, fail(f"{fn}: language {given!r} is not supported (supported: "
                              f"{', '.join(sorted(ALIASES))})", INVALID)
        lang = grammars.get(name)
        if lang is None:
            try:
                lang = grammars[name] = pack.get_language(LANGUAGES[name][1])
            except Exception as exc:  # the pack lacks this grammar build
                return None, fail(f"{fn}: language {name!r} has no tree-sitter grammar: {exc}",
                                  INVALID)
        return name, lang

    # -- Language ---------------------------------------------------------------------------

    def lang_obj(name: str, lang: Any) -> Any:
        return Language.new(_Handle(lang, name=name))

    def l_int(attr: str) -> Any:
        return lambda h, *_: getattr(h.obj, attr)

    def l_kind_for_id(h: _Handle, kid: Any = None, *_: Any) -> Any:
        kind = h.obj.node_kind_for_id(int(kid or 0))
        return kind.encode() if kind is not None else None

    def l_id_for_kind(h: _Handle, kind: Any = None, named: Any = None, *_: Any) -> int:
        return h.obj.id_for_node_kind(text_arg("language:id_for_node_kind", 1, "kind", kind),
                                      bool(named))

    def l_field_name(h: _Handle, fid: Any = None, *_: Any) -> Any:
        name = h.obj.field_name_for_id(int(fid or 0))
        return name.encode() if name is not None else None

    def l_field_id(h: _Handle, name: Any = None, *_: Any) -> Any:
        return h.obj.field_id_for_name(text_arg("language:field_id_for_name", 1, "name", name))

    Language = lua_class(state, "treesitter.Language", {
        "version": l_int("abi_version"), "node_kind_count": l_int("node_kind_count"),
        "parse_state_count": l_int("parse_state_count"), "field_count": l_int("field_count"),
        "node_kind_for_id": l_kind_for_id, "id_for_node_kind": l_id_for_kind,
        "node_kind_is_named": lambda h, kid=0, *_: h.obj.node_kind_is_named(int(kid or 0)),
        "field_name_for_id": l_field_name, "field_id_for_name": l_field_id,
        "name": lambda h, *_: h.extra["name"].encode(),
    }, lambda h: f"treesitter.Language{{{h.extra['name']}}}")

    # -- Node -------------------------------------------------------------------------------

    def node_obj(node: Any, source: bytes, lang: str) -> Any:
        return None if node is None else Node.new(_NodeH(node, source, lang))

    def related(attr: str) -> Any:
        return lambda h, *_: node_obj(getattr(h.node, attr), h.source, h.lang)

    def indexed(attr: str) -> Any:
        def get(h: _NodeH, index: Any = None, *_: Any) -> Any:
            i = int(index or 0)
            try:  # out of range is nil in Wippy; the library raises
                return node_obj(getattr(h.node, attr)(i), h.source, h.lang) if i >= 0 else None
            except IndexError:
                return None
        return get

    def n_text(h: _NodeH, source: Any = None, *_: Any) -> Any:
        code = source if isinstance(source, bytes) else h.source
        start, end = h.node.start_byte, h.node.end_byte
        if start > end or end > len(code):
            return fail(f"node:text: byte range {start}..{end} is outside the source "
                        f"({len(code)} bytes)", INVALID)
        return code[start:end]

    def n_by_field(h: _NodeH, name: Any = None, *_: Any) -> Any:
        field = text_arg("node:child_by_field_name", 1, "name", name)
        return node_obj(h.node.child_by_field_name(field), h.source, h.lang)

    def n_field_for_child(h: _NodeH, index: Any = None, *_: Any) -> Any:
        try:
            name = h.node.field_name_for_child(int(index or 0))
        except (IndexError, ValueError):
            return None
        return name.encode() if name is not None else None

    def n_in_range(h: _NodeH, start: Any = None, end: Any = None, *_: Any) -> Any:
        fn = "node:named_descendant_for_point_range"
        node = h.node.named_descendant_for_point_range(point_arg(fn, 1, start),
                                                       point_arg(fn, 2, end))
        return node_obj(node, h.source, h.lang)

    Node = lua_class(state, "treesitter.Node", {
        "parent": related("parent"), "next_sibling": related("next_sibling"),
        "prev_sibling": related("prev_sibling"),
        "next_named_sibling": related("next_named_sibling"),
        "prev_named_sibling": related("prev_named_sibling"),
        "child": indexed("child"), "named_child": indexed("named_child"),
        "child_count": lambda h, *_: h.node.child_count,
        "named_child_count": lambda h, *_: h.node.named_child_count,
        "descendant_count": lambda h, *_: h.node.descendant_count,
        "named_descendant_for_point_range": n_in_range,
        "child_by_field_name": n_by_field, "field_name_for_child": n_field_for_child,
        "kind": lambda h, *_: h.node.type.encode(), "type": lambda h, *_: h.node.type.encode(),
        "grammar_name": lambda h, *_: h.node.grammar_name.encode(),
        "is_named": lambda h, *_: h.node.is_named, "is_extra": lambda h, *_: h.node.is_extra,
        "is_missing": lambda h, *_: h.node.is_missing,
        "has_error": lambda h, *_: h.node.has_error, "is_error": lambda h, *_: h.node.is_error,
        "start_byte": lambda h, *_: h.node.start_byte, "end_byte": lambda h, *_: h.node.end_byte,
        "start_point": lambda h, *_: point(h.node.start_point),
        "end_point": lambda h, *_: point(h.node.end_point),
        "text": n_text, "to_sexp": lambda h, *_: str(h.node).encode(),
    }, lambda h: f"treesitter.Node{{{h.node.type} {h.node.start_byte}..{h.node.end_byte}}}")

    def node_arg(fn: str, index: int, value: Any) -> _NodeH | None:
        h = Node.unwrap(value)
        return h if isinstance(h, _NodeH) else None

    # -- Tree -------------------------------------------------------------------------------

    def tree_obj(tree: Any, source: bytes, name: str) -> Any:
        return Tree.new(_Handle(tree, source=source, name=name))

    def open_tree(h: _Handle, method: str) -> Any:
        if h.obj is None:
            return None, fail(f"tree:{method}: tree is closed", INVALID)
        return h.obj, None

    def t_root(h: _Handle, *_: Any) -> Any:
        tree, err = open_tree(h, "root_node")
        if tree is None:
            return err
        return node_obj(tree.root_node, h.extra["source"], h.extra["name"])

    def t_root_offset(h: _Handle, offset: Any = None, pt: Any = None, *_: Any) -> Any:
        tree, err = open_tree(h, "root_node_with_offset")
        if tree is None:
            return err
        node = tree.root_node_with_offset(int(offset or 0),
                                          point_arg("tree:root_node_with_offset", 2, pt))
        return node_obj(node, h.extra["source"], h.extra["name"])

    def t_language(h: _Handle, *_: Any) -> Any:
        tree, err = open_tree(h, "language")
        if tree is None:
            return err
        return lang_obj(h.extra["name"], tree.language)

    def t_copy(h: _Handle, *_: Any) -> Any:
        tree, err = open_tree(h, "copy")
        if tree is None:
            return err
        return tree_obj(tree.copy(), h.extra["source"], h.extra["name"])

    def t_walk(h: _Handle, *_: Any) -> Any:
        tree, err = open_tree(h, "walk")
        if tree is None:
            return err
        return Cursor.new(_Handle(tree.walk(), source=h.extra["source"], name=h.extra["name"],
                                  tree=tree))

    def t_edit(h: _Handle, edit: Any = None, *_: Any) -> Any:
        tree, err = open_tree(h, "edit")
        if tree is None:
            return False, err[1]
        if lua_type(edit) != "table":
            raise bad_argument("tree:edit", 1, "edit", "table", edit)
        keys = ("start_byte", "old_end_byte", "new_end_byte", "start_row", "start_column",
                "old_end_row", "old_end_column", "new_end_row", "new_end_column")
        v = {k: edit[k.encode()] for k in keys}
        bad = [k for k, x in v.items() if not isinstance(x, (int, float)) or x < 0]
        if bad:
            return fail(f"tree:edit: {', '.join(bad)} must be non-negative numbers", INVALID,
                        False)
        if v["old_end_byte"] < v["start_byte"] or v["new_end_byte"] < v["start_byte"]:
            return fail("tree:edit: end bytes must not precede start_byte", INVALID, False)
        tree.edit(start_byte=int(v["start_byte"]), old_end_byte=int(v["old_end_byte"]),
                  new_end_byte=int(v["new_end_byte"]),
                  start_point=(int(v["start_row"]), int(v["start_column"])),
                  old_end_point=(int(v["old_end_row"]), int(v["old_end_column"])),
                  new_end_point=(int(v["new_end_row"]), int(v["new_end_column"])))
        return True

    def ranges(items: list[Any]) -> Any:
        return array([table({"start_point": point(r.start_point), "end_point": point(r.end_point),
                             "start_byte": r.start_byte, "end_byte": r.end_byte})
                      for r in items])

    def t_changed(h: _Handle, other: Any = None, *_: Any) -> Any:
        o = Tree.unwrap(other)
        if h.obj is None or o is None or o.obj is None:
            return array([])
        return ranges(h.obj.changed_ranges(o.obj))

    def t_included(h: _Handle, *_: Any) -> Any:
        return array([]) if h.obj is None else ranges(h.obj.included_ranges)

    def t_dot(h: _Handle, *_: Any) -> Any:
        tree, err = open_tree(h, "dot_graph")
        if tree is None:
            return err
        with tempfile.TemporaryFile() as f:
            tree.print_dot_graph(f)
            f.seek(0)
            return f.read()

    def close(h: Any, *_: Any) -> None:
        h.obj = None

    Tree = lua_class(state, "treesitter.Tree", {
        "root_node": t_root, "root_node_with_offset": t_root_offset, "language": t_language,
        "copy": t_copy, "walk": t_walk, "edit": t_edit, "changed_ranges": t_changed,
        "included_ranges": t_included, "dot_graph": t_dot, "close": close,
    }, lambda h: f"treesitter.Tree{{{h.extra['name']}{' closed' if h.obj is None else ''}}}")

    # -- Parser -----------------------------------------------------------------------------

    def do_parse(fn: str, parser: Any, name: str, code: bytes, old: Any,
                 timeout: float | None) -> Any:
        try:
            extra = {} if old is None else {"old_tree": old}
            if timeout is None:
                tree = parser.parse(code, **extra)
            else:
                deadline = time.monotonic() + timeout
                tree = parser.parse(lambda byte, _pt: code[byte:byte + 65536], **extra,
                                    progress_callback=lambda *_: time.monotonic() > deadline)
        except ValueError as exc:
            return fail(f"{fn}: {name} parse failed: {exc}", INTERNAL)
        if tree is None:
            return fail(f"{fn}: {name} parse did not finish within {timeout}s", TIMEOUT)
        return tree_obj(tree, code, name), None

    def p_set_language(h: _Handle, alias: Any = None, *_: Any) -> Any:
        if h.obj is None:
            return fail("parser:set_language: parser is closed", INVALID, False)
        name, lang = resolve("parser:set_language", alias)
        if name is None:
            return False, lang[1]
        h.obj.language = lang
        h.extra["name"] = name
        return True

    def p_get_language(h: _Handle, *_: Any) -> Any:
        if h.obj is None or not h.extra.get("name"):
            return fail("parser:get_language: language is not set", INVALID)
        return h.extra["name"].encode()

    def p_parse(h: _Handle, code: Any = None, old: Any = None, *_: Any) -> Any:
        src = text_arg("parser:parse", 1, "code", code).encode("utf-8", "surrogateescape")
        if h.obj is None:
            return fail("parser:parse: parser is closed", INVALID)
        if not h.extra.get("name"):
            return fail("parser:parse: language is not set (call parser:set_language first)",
                        INVALID)
        old_h = Tree.unwrap(old) if old is not None else None
        return do_parse("parser:parse", h.obj, h.extra["name"], src,
                        old_h.obj if old_h is not None else None, h.extra.get("timeout"))

    def p_reset(h: _Handle, *_: Any) -> None:
        if h.obj is not None:
            h.obj.reset()

    def p_timeout(h: _Handle, value: Any = None, *_: Any) -> None:
        seconds = _duration("parser:set_timeout", value)
        h.extra["timeout"] = seconds if seconds > 0 else None

    def p_ranges(h: _Handle, items: Any = None, *_: Any) -> Any:
        if h.obj is None:
            return fail("parser:set_ranges: parser is closed", INVALID, False)
        if lua_type(items) != "table":
            raise bad_argument("parser:set_ranges", 1, "ranges", "table", items)
        out = []
        for i in range(1, len(items) + 1):
            r = items[i]
            try:
                out.append(ts.Range((int(r[b"start_row"]), int(r[b"start_col"])),
                                    (int(r[b"end_row"]), int(r[b"end_col"])),
                                    int(r[b"start_byte"]), int(r[b"end_byte"])))
            except (TypeError, ValueError) as exc:
                return fail(f"parser:set_ranges: range {i} is invalid: {exc}", INVALID, False)
        try:
            h.obj.included_ranges = out
        except ValueError as exc:
            return fail(f"parser:set_ranges: {exc}", INVALID, False)
        return True

    Parser = lua_class(state, "treesitter.Parser", {
        "set_language": p_set_language, "get_language": p_get_language, "parse": p_parse,
        "reset": p_reset, "set_timeout": p_timeout, "set_ranges": p_ranges, "close": close,
    }, lambda h: f"treesitter.Parser{{{h.extra.get('name') or 'no language'}}}")

    # -- Query ------------------------------------------------------------------------------

    def open_query(h: _Handle, method: str) -> Any:
        if h.obj is None:
            return None, fail(f"query:{method}: query is closed", INVALID)
        return h.obj, None

    def run_matches(h: _Handle, method: str, node: Any) -> Any:
        """[(pattern, [(capture index, name, Node)])] in document order, or `nil, err`."""
        q, err = open_query(h, method)
        if q is None:
            return None, err
        nh = node_arg(f"query:{method}", 1, node)
        if nh is None:
            return None, fail(f"query:{method}: argument 1 must be a Node", INVALID)
        cursor = h.extra["cursor"]
        progress = None
        if h.extra.get("timeout"):
            deadline = time.monotonic() + h.extra["timeout"]
            progress = lambda *_: time.monotonic() > deadline  # noqa: E731
        # predicates the library does not know (`#set!`-like directives aside) do not filter,
        # as go-tree-sitter's SatisfiesTextPredicate ignores them
        found = (cursor.matches(nh.node, _any_predicate) if progress is None
                 else cursor.matches(nh.node, _any_predicate, progress))
        index = h.extra["index"]
        return [(p, sorted((index[name], name, n) for name, ns in caps.items() for n in ns))
                for p, caps in found], nh

    def q_matches(h: _Handle, node: Any = None, source: Any = None, *_: Any) -> Any:
        found, nh = run_matches(h, "matches", node)
        if found is None:
            return nh
        out = []
        for i, (pattern, caps) in enumerate(found):
            out.append(table({"id": i, "pattern": pattern, "captures": array([
                table({"node": node_obj(n, nh.source, nh.lang), "index": ci, "name": name})
                for ci, name, n in caps])}))
        return array(out)

    def q_captures(h: _Handle, node: Any = None, source: Any = None, *_: Any) -> Any:
        found, nh = run_matches(h, "captures", node)
        if found is None:
            return nh
        code = source if isinstance(source, bytes) else nh.source
        flat = sorted(((n.start_byte, pattern, ci), name, n)
                      for pattern, caps in found for ci, name, n in caps)
        out = []
        for (_, _, ci), name, n in flat:
            fields = {"node": node_obj(n, nh.source, nh.lang), "index": ci, "name": name}
            if n.end_byte <= len(code):
                fields["text"] = code[n.start_byte:n.end_byte]
            out.append(table(fields))
        return array(out)

    def q_attr(attr: str) -> Any:
        def get(h: _Handle, *_: Any) -> Any:
            q, err = open_query(h, attr)
            return err if q is None else getattr(q, attr)
        return get

    def q_pattern(method: str) -> Any:
        def call(h: _Handle, index: Any = None, *_: Any) -> Any:
            q, err = open_query(h, method)
            if q is None:
                return err
            i = int(index or 0)
            if not 0 <= i < q.pattern_count:
                return fail(f"query:{method}: pattern {i} out of range (0..."
                            f"{q.pattern_count - 1})", INVALID)
            return getattr(q, method)(i)
        return call

    def q_capture_name(h: _Handle, cid: Any = None, *_: Any) -> Any:
        q = h.obj
        i = int(cid or 0)
        if q is None or not 0 <= i < q.capture_count:
            return None
        return q.capture_name(i).encode()

    def q_capture_index(h: _Handle, name: Any = None, *_: Any) -> Any:
        return h.extra["index"].get(text_arg("query:capture_index_for_name", 1, "name", name))

    def q_quantifier(h: _Handle, pattern: Any = None, cid: Any = None, *_: Any) -> Any:
        q = h.obj
        try:
            mark = q.capture_quantifier(int(pattern or 0), int(cid or 0))
        except (AttributeError, IndexError, ValueError):
            return None
        # tree-sitter's TSQuantifier: Zero, ZeroOrOne, ZeroOrMore, One, OneOrMore
        return {"": 0, "?": 1, "*": 2, "+": 4}.get(mark, 3)

    def q_cursor(method: str, apply: Any) -> Any:
        def call(h: _Handle, *args: Any) -> None:
            if h.obj is not None:
                apply(h, *args)
        return call

    def q_props(method: str, settings: bool) -> Any:
        def call(h: _Handle, pattern: Any = None, *_: Any) -> Any:
            q = h.obj
            if q is None:
                return array([])
            i = int(pattern or 0)
            if not 0 <= i < q.pattern_count:
                return array([])
            if settings:
                return array([table({"key": k, "value": v} if v is not None else {"key": k})
                              for k, v in q.pattern_settings(i).items()])
            return array([table({"key": k, "positive": pos, **({"value": v} if v else {})})
                          for k, (v, pos) in q.pattern_assertions(i).items()])
        return call

    def set_match_limit(h: _Handle, limit: Any = None, *_: Any) -> None:
        h.extra["cursor"].match_limit = int(limit or 0) or 0xFFFFFFFF

    Query = lua_class(state, "treesitter.Query", {
        "matches": q_matches, "captures": q_captures,
        "pattern_count": q_attr("pattern_count"), "capture_count": q_attr("capture_count"),
        "string_count": q_attr("string_count"),
        "start_byte_for_pattern": q_pattern("start_byte_for_pattern"),
        "end_byte_for_pattern": q_pattern("end_byte_for_pattern"),
        "is_pattern_rooted": q_pattern("is_pattern_rooted"),
        "is_pattern_non_local": q_pattern("is_pattern_non_local"),
        "is_pattern_guaranteed": q_pattern("is_pattern_guaranteed_at_step"),
        "capture_name_for_id": q_capture_name, "capture_index_for_name": q_capture_index,
        "capture_quantifier": q_quantifier,
        "set_byte_range": q_cursor("set_byte_range", lambda h, s=0, e=0, *_: h.extra[
            "cursor"].set_byte_range(int(s or 0), int(e or 0))),
        "set_point_range": q_cursor("set_point_range", lambda h, s=None, e=None, *_: h.extra[
            "cursor"].set_point_range(point_arg("query:set_point_range", 1, s),
                                      point_arg("query:set_point_range", 2, e))),
        "set_match_limit": set_match_limit,
        "get_match_limit": lambda h, *_: h.extra["cursor"].match_limit,
        "did_exceed_match_limit": lambda h, *_: h.extra["cursor"].did_exceed_match_limit,
        "set_timeout": lambda h, v=None, *_: h.extra.__setitem__(
            "timeout", _duration("query:set_timeout", v) or None),
        "get_timeout": lambda h, *_: int((h.extra.get("timeout") or 0) * 1e9),
        "set_max_start_depth": q_cursor("set_max_start_depth", lambda h, d=0, *_: h.extra[
            "cursor"].set_max_start_depth(int(d or 0))),
        "disable_pattern": q_cursor("disable_pattern",
                                    lambda h, i=0, *_: h.obj.disable_pattern(int(i or 0))),
        "disable_capture": q_cursor("disable_capture", lambda h, n=b"", *_: h.obj.disable_capture(
            text_arg("query:disable_capture", 1, "name", n))),
        "get_property_predicates": q_props("get_property_predicates", False),
        "get_property_settings": q_props("get_property_settings", True),
        "close": close,
    }, lambda h: f"treesitter.Query{{{h.extra['name']}}}")

    # -- Cursor -----------------------------------------------------------------------------

    def c_move(method: str) -> Any:
        def move(h: _Handle, *_: Any) -> bool:
            return False if h.obj is None else bool(getattr(h.obj, method)())
        return move

    def c_node(h: _Handle, *_: Any) -> Any:
        return None if h.obj is None else node_obj(h.obj.node, h.extra["source"],
                                                   h.extra["name"])

    def c_field_name(h: _Handle, *_: Any) -> Any:
        name = None if h.obj is None else h.obj.field_name
        return name.encode() if name is not None else None

    def c_for_byte(h: _Handle, byte: Any = None, *_: Any) -> Any:
        return None if h.obj is None else h.obj.goto_first_child_for_byte(int(byte or 0))

    def c_for_point(h: _Handle, pt: Any = None, *_: Any) -> Any:
        if h.obj is None:
            return None
        return h.obj.goto_first_child_for_point(
            point_arg("cursor:goto_first_child_for_point", 1, pt))

    def c_reset(h: _Handle, node: Any = None, *_: Any) -> None:
        nh = node_arg("cursor:reset", 1, node)
        if nh is None:
            raise bad_argument("cursor:reset", 1, "node", "Node", node)
        if h.obj is not None:
            h.obj.reset(nh.node)

    def c_reset_to(h: _Handle, other: Any = None, *_: Any) -> None:
        o = Cursor.unwrap(other)
        if o is None or o.obj is None:
            raise bad_argument("cursor:reset_to", 1, "cursor", "open Cursor", other)
        if h.obj is not None:
            h.obj.reset_to(o.obj)

    def c_copy(h: _Handle, *_: Any) -> Any:
        if h.obj is None:
            return fail("cursor:copy: cursor is closed", INVALID)
        # a copied TreeCursor (copy() or __copy__) of py-tree-sitter 0.26 crashes the process
        # when it is freed: a fresh cursor of the same tree, moved to the same position
        twin = h.extra["tree"].walk()
        twin.reset_to(h.obj)
        return Cursor.new(_Handle(twin, **h.extra))

    Cursor = lua_class(state, "treesitter.Cursor", {
        "current_node": c_node,
        "current_field_id": lambda h, *_: 0 if h.obj is None else h.obj.field_id or 0,
        "current_field_name": c_field_name,
        "current_depth": lambda h, *_: 0 if h.obj is None else h.obj.depth,
        "current_descendant_index": lambda h, *_: 0 if h.obj is None else h.obj.descendant_index,
        "goto_parent": c_move("goto_parent"), "goto_first_child": c_move("goto_first_child"),
        "goto_last_child": c_move("goto_last_child"),
        "goto_next_sibling": c_move("goto_next_sibling"),
        "goto_previous_sibling": c_move("goto_previous_sibling"),
        "goto_descendant": lambda h, i=0, *_: None if h.obj is None else h.obj.goto_descendant(
            int(i or 0)),
        "goto_first_child_for_byte": c_for_byte, "goto_first_child_for_point": c_for_point,
        "reset": c_reset, "reset_to": c_reset_to, "copy": c_copy, "close": close,
    }, lambda h: f"treesitter.Cursor{{{h.extra['name']}}}")

    # -- module functions -------------------------------------------------------------------

    def supported_languages(*_: Any) -> Any:
        return table({name: True for name in LANGUAGES})

    def language(alias: Any = None, *_: Any) -> Any:
        name, lang = resolve("treesitter.language", alias)
        if name is None:
            return lang
        return lang_obj(name, lang), None

    def parse(alias: Any = None, code: Any = None, *_: Any) -> Any:
        name, lang = resolve("treesitter.parse", alias)
        if name is None:
            return lang
        src = text_arg("treesitter.parse", 2, "code", code).encode("utf-8", "surrogateescape")
        return do_parse("treesitter.parse", ts.Parser(lang), name, src, None, None)

    def parser(*_: Any) -> Any:
        return Parser.new(_Handle(ts.Parser(), name=None)), None

    def query(alias: Any = None, pattern: Any = None, *_: Any) -> Any:
        name, lang = resolve("treesitter.query", alias)
        if name is None:
            return lang
        source = text_arg("treesitter.query", 2, "pattern", pattern)
        try:
            q = ts.Query(lang, source)
        except (ts.QueryError, ValueError) as exc:
            return fail(f"treesitter.query: invalid {name} query pattern: {exc}", INVALID)
        index = {q.capture_name(i): i for i in range(q.capture_count)}
        return Query.new(_Handle(q, name=name, cursor=ts.QueryCursor(q), index=index)), None

    module = lua.table()
    for key, fn in {"supported_languages": supported_languages, "language": language,
                    "parse": parse, "parser": parser, "query": query}.items():
        module[key.encode()] = fn
    state.bind("treesitter", module)


__all__ = ["ALIASES", "LANGUAGES", "install"]
