"""The `text` module: `text.regexp` (RE2-style), `text.diff` (diff-match-patch), `text.splitter`.

- Regexps run on Python's `re` with RE2's rules applied on top: ASCII `\\w \\d \\s \\b`,
  `(?<name>...)` accepted as a named group, `\\z` as end of text, and what RE2 refuses
  (backreferences, lookaround) refused with the same INVALID error. Indices are 1-based byte
  positions (`string.sub` ready), replacements use Go's `$1` / `${name}` syntax, and `split`
  follows Go's `Regexp.Split(s, n)`.
- Diffs use `diff-match-patch` (the library the real module's Go port comes from): `compare`
  is the raw `diff_main`, `summarize` counts bytes, patches travel as `{text = ...}` tables.
- Splitters follow the recursive-character algorithm (separators tried in order, pieces merged
  up to `chunk_size` with `chunk_overlap`). The markdown splitter is written here: it cuts at
  headings (prefixing the heading path with `heading_hierarchy`), keeps fenced code blocks
  (`code_blocks`) and tables (`join_table_rows`) whole when they fit, and splits what is still
  too long recursively; `reference_links` is accepted and has no effect.
Errors are `nil, err` (INVALID for a bad pattern); wrong argument types raise Lua's argument
error, as the real module's checks do.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

from diff_match_patch import diff_match_patch

from ...errors import INVALID
from ..convert import to_lua
from ..exposed import lua_methods
from ._common import bad_argument, build, check_integer, check_string, fail, is_table, text

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

# the parser behind `re`; used only to refuse what RE2 cannot do
from re import _parser as _sre_parse

_UNSUPPORTED = {"ASSERT": "lookaround", "ASSERT_NOT": "lookaround",
                "GROUPREF": "backreference", "GROUPREF_EXISTS": "conditional"}
_TEMPLATE = re.compile(r"\$(?:\$|\{(\w+)\}|(\w+))")


def _b(value: str) -> bytes:
    return value.encode("utf-8", "surrogateescape")


def _unsupported(parsed: Any) -> str | None:
    for op, arg in parsed:
        name = str(op)
        if name in _UNSUPPORTED:
            return _UNSUPPORTED[name]
        for sub in arg if isinstance(arg, (list, tuple)) else ():
            if isinstance(sub, _sre_parse.SubPattern):
                found = _unsupported(sub)
                if found:
                    return found
            elif isinstance(sub, (list, tuple)):
                for item in sub:
                    if isinstance(item, _sre_parse.SubPattern):
                        found = _unsupported(item)
                        if found:
                            return found
    return None


def compile_re2(pattern: str) -> re.Pattern[str]:
    """Compile with RE2's dialect; `re.error` with RE2-like wording when it is not valid."""
    translated = re.sub(r"\(\?<(?![=!])", "(?P<", pattern)
    translated = re.sub(r"(?<!\\)((?:\\\\)*)\\z", r"\1\\Z", translated)
    compiled = re.compile(translated, re.ASCII)
    found = _unsupported(_sre_parse.parse(translated, re.ASCII))
    if found:
        raise re.error(f"invalid or unsupported Perl syntax ({found})")
    return compiled


@lua_methods("match_string", "find_string", "find_all_string", "find_string_submatch",
             "find_all_string_submatch", "find_string_index", "find_all_string_index",
             "replace_all_string", "split", "num_subexp", "subexp_names", "string")
class Regexp:
    """A compiled pattern; strings cross as bytes, positions are byte offsets."""

    def __init__(self, lua: Any, source: bytes, compiled: re.Pattern[str]) -> None:
        self.lua = lua
        self.source = source
        self.re = compiled

    def _arg(self, args: tuple[Any, ...], n: int, fn: str) -> str:
        args = self._rest(args)
        value = args[n] if len(args) > n else None
        return text(check_string(value, f"regexp:{fn}", n + 2))

    def _rest(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        return args[1:] if args and args[0] is self else args

    def _spans(self, s: str) -> list[re.Match[str]]:
        return list(self.re.finditer(s))

    def match_string(self, *args: Any) -> bool:
        return self.re.search(self._arg(args, 0, "match_string")) is not None

    def find_string(self, *args: Any) -> bytes | None:
        m = self.re.search(self._arg(args, 0, "find_string"))
        return _b(m.group(0)) if m and m.group(0) else None  # Go: "" means no match

    def find_all_string(self, *args: Any) -> Any:
        s = self._arg(args, 0, "find_all_string")
        return to_lua(self.lua, [_b(m.group(0)) for m in self._spans(s)])

    def _groups(self, m: re.Match[str]) -> list[bytes]:
        return [_b(g) if g is not None else b"" for g in (m.group(0), *m.groups())]

    def find_string_submatch(self, *args: Any) -> Any:
        m = self.re.search(self._arg(args, 0, "find_string_submatch"))
        return to_lua(self.lua, self._groups(m)) if m else None

    def find_all_string_submatch(self, *args: Any) -> Any:
        s = self._arg(args, 0, "find_all_string_submatch")
        return to_lua(self.lua, [self._groups(m) for m in self._spans(s)])

    @staticmethod
    def _byte_span(s: str, m: re.Match[str]) -> list[int]:
        start = len(_b(s[:m.start()]))
        return [start + 1, start + len(_b(m.group(0)))]

    def find_string_index(self, *args: Any) -> Any:
        s = self._arg(args, 0, "find_string_index")
        m = self.re.search(s)
        return to_lua(self.lua, self._byte_span(s, m)) if m else None

    def find_all_string_index(self, *args: Any) -> Any:
        s = self._arg(args, 0, "find_all_string_index")
        spans = [self._byte_span(s, m) for m in self._spans(s)]
        return to_lua(self.lua, spans) if spans else None

    def replace_all_string(self, *args: Any) -> bytes:
        s = self._arg(args, 0, "replace_all_string")
        template = self._arg(args, 1, "replace_all_string")
        index = self.re.groupindex

        def expand(m: re.Match[str]) -> str:
            def one(t: re.Match[str]) -> str:
                if t.group(0) == "$$":
                    return "$"
                name = t.group(1) or t.group(2)
                if name.isdigit():
                    n = int(name)
                    return (m.group(n) or "") if n <= self.re.groups else ""
                return (m.group(name) or "") if name in index else ""
            return _TEMPLATE.sub(one, template)

        return _b(self.re.sub(expand, s))

    def split(self, *args: Any) -> Any:
        s = self._arg(args, 0, "split")
        rest = self._rest(args)
        n = -1 if len(rest) < 2 or rest[1] is None else check_integer(rest[1], "regexp:split", 3)
        return to_lua(self.lua, [_b(p) for p in go_split(self.re, s, n)])

    def num_subexp(self, *_: Any) -> int:
        return self.re.groups

    def subexp_names(self, *_: Any) -> Any:
        names = [b""] * (self.re.groups + 1)
        for name, i in self.re.groupindex.items():
            names[i] = _b(name)
        return to_lua(self.lua, names)

    def string(self, *_: Any) -> bytes:
        return self.source


def go_split(pattern: re.Pattern[str], s: str, n: int) -> list[str]:
    """Go's `Regexp.Split`: n < 0 all pieces, n == 0 none, n > 0 at most n."""
    if n == 0:
        return []
    if pattern.pattern and not s:
        return [""]
    out: list[str] = []
    beg = end = 0
    for m in pattern.finditer(s):
        if n > 0 and len(out) == n - 1:
            break
        end = m.start()
        if m.end() == 0:
            continue
        out.append(s[beg:end])
        beg = m.end()
    if end != len(s):
        out.append(s[beg:])
    return out


# -- diff -----------------------------------------------------------------------------------
_OPS = {0: "equal", -1: "delete", 1: "insert"}
_CODES = {"equal": 0, "delete": -1, "insert": 1}
_DIFF_OPTIONS = {"diff_timeout": "Diff_Timeout", "diff_edit_cost": "Diff_EditCost",
                 "match_threshold": "Match_Threshold", "match_distance": "Match_Distance",
                 "patch_delete_threshold": "Patch_DeleteThreshold",
                 "patch_margin": "Patch_Margin"}


def _diffs_arg(value: Any, fn: str) -> list[tuple[int, str]]:
    if not is_table(value):
        raise bad_argument(f"differ:{fn}", 2, "table", value)
    out: list[tuple[int, str]] = []
    for i in range(1, len(value) + 1):
        item = value[i]
        if not is_table(item):
            continue
        op = item[b"operation"]
        body = item[b"text"]
        if isinstance(op, bytes) and op.decode() in _CODES and isinstance(body, bytes):
            out.append((_CODES[op.decode()], text(body)))
    return out


@lua_methods("compare", "summarize", "pretty_text", "pretty_html", "patch_make", "patch_apply")
class Differ:
    def __init__(self, lua: Any, dmp: diff_match_patch) -> None:
        self.lua = lua
        self.dmp = dmp

    def _args(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        return args[1:] if args and args[0] is self else args

    def _two(self, args: tuple[Any, ...], fn: str) -> tuple[str, str]:
        a = self._args(args)
        first = check_string(a[0] if a else None, f"differ:{fn}", 2)
        second = check_string(a[1] if len(a) > 1 else None, f"differ:{fn}", 3)
        return text(first), text(second)

    def compare(self, *args: Any) -> Any:
        t1, t2 = self._two(args, "compare")
        diffs = self.dmp.diff_main(t1, t2, False)
        return to_lua(self.lua, [{"operation": _OPS[op], "text": _b(body)}
                                 for op, body in diffs]), None

    def summarize(self, *args: Any) -> Any:
        a = self._args(args)
        counts = {"insertions": 0, "deletions": 0, "equals": 0}
        names = {1: "insertions", -1: "deletions", 0: "equals"}
        for op, body in _diffs_arg(a[0] if a else None, "summarize"):
            counts[names[op]] += len(_b(body))
        return to_lua(self.lua, counts)

    def pretty_text(self, *args: Any) -> Any:
        a = self._args(args)
        colours = {1: "\x1b[32m", -1: "\x1b[31m"}
        parts = [f"{colours[op]}{body}\x1b[0m" if op else body
                 for op, body in _diffs_arg(a[0] if a else None, "pretty_text")]
        return _b("".join(parts)), None

    def pretty_html(self, *args: Any) -> Any:
        a = self._args(args)
        diffs = _diffs_arg(a[0] if a else None, "pretty_html")
        out = []
        for op, body in diffs:
            shown = html.escape(body, quote=False).replace("\n", "&para;<br>")
            if op == 1:
                out.append(f'<ins style="background:#e6ffe6;">{shown}</ins>')
            elif op == -1:
                out.append(f'<del style="background:#ffe6e6;">{shown}</del>')
            else:
                out.append(f"<span>{shown}</span>")
        return _b("".join(out)), None

    def patch_make(self, *args: Any) -> Any:
        t1, t2 = self._two(args, "patch_make")
        patches = self.dmp.patch_make(t1, t2)
        return to_lua(self.lua, [{"text": _b(self.dmp.patch_toText([p]))}
                                 for p in patches]), None

    def patch_apply(self, *args: Any) -> Any:
        a = self._args(args)
        table = a[0] if a else None
        if not is_table(table):
            raise bad_argument("differ:patch_apply", 2, "table", table)
        base = text(check_string(a[1] if len(a) > 1 else None, "differ:patch_apply", 3))
        patches = []
        for _, item in table.items():
            body = item[b"text"] if is_table(item) else None
            if isinstance(body, bytes):
                try:
                    patches.extend(self.dmp.patch_fromText(text(body)))
                except ValueError:
                    continue
        result, applied = self.dmp.patch_apply(patches, base)
        return _b(result), all(applied)


# -- splitters ------------------------------------------------------------------------------
DEFAULT_SEPARATORS = ["\n\n", "\n", " ", ""]
_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


class SplitterError(ValueError):
    pass


class RecursiveSplitter:
    def __init__(self, chunk_size: int = 4000, chunk_overlap: int = 200,
                 separators: list[str] | None = None, keep_separator: bool = False) -> None:
        if chunk_size <= 0:
            raise SplitterError("chunk_size must be positive")
        if chunk_overlap < 0:
            raise SplitterError("chunk_overlap must not be negative")
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self.separators = separators or list(DEFAULT_SEPARATORS)
        self.keep_separator = keep_separator

    def split(self, body: str) -> list[str]:
        return [c for c in self._split(body, self.separators) if c.strip()]

    def _split(self, body: str, separators: list[str]) -> list[str]:
        separator = separators[-1]
        rest: list[str] = []
        for i, sep in enumerate(separators):
            if sep == "" or sep in body:
                separator, rest = sep, separators[i + 1:]
                break
        if separator:
            pieces = body.split(separator)
            if self.keep_separator:
                pieces = [p + separator for p in pieces[:-1]] + pieces[-1:]
        else:
            pieces = list(body)
        joiner = "" if self.keep_separator else separator
        final: list[str] = []
        good: list[str] = []
        for piece in pieces:
            if len(piece) < self.chunk_size:
                good.append(piece)
                continue
            if good:
                final.extend(self._merge(good, joiner))
                good = []
            final.extend(self._split(piece, rest) if rest else [piece])
        if good:
            final.extend(self._merge(good, joiner))
        return final

    def _merge(self, pieces: list[str], separator: str) -> list[str]:
        out: list[str] = []
        current: list[str] = []
        total = 0
        sep_len = len(separator)
        for piece in pieces:
            extra = sep_len if current else 0
            if current and total + len(piece) + extra > self.chunk_size:
                joined = separator.join(current).strip()
                if joined:
                    out.append(joined)
                while current and (total > self.chunk_overlap or
                                   total + len(piece) + (sep_len if current else 0)
                                   > self.chunk_size):
                    total -= len(current[0]) + (sep_len if len(current) > 1 else 0)
                    current.pop(0)
            current.append(piece)
            total += len(piece) + (sep_len if len(current) > 1 else 0)
        joined = separator.join(current).strip()
        if joined:
            out.append(joined)
        return out


class MarkdownSplitter:
    def __init__(self, inner: RecursiveSplitter, code_blocks: bool, heading_hierarchy: bool,
                 join_table_rows: bool) -> None:
        self.inner = inner
        self.code_blocks = code_blocks
        self.heading_hierarchy = heading_hierarchy
        self.join_table_rows = join_table_rows

    def _blocks(self, body: str) -> list[tuple[list[str], str, bool]]:
        """(heading path, text, atomic?) per block: sections cut at headings, fenced code
        and tables as atomic blocks of their own."""
        blocks: list[tuple[list[str], str, bool]] = []
        path: list[str] = []
        buf: list[str] = []
        lines = body.split("\n")
        i = 0

        def flush() -> None:
            if "\n".join(buf).strip():
                blocks.append((list(path), "\n".join(buf), False))
            buf.clear()

        while i < len(lines):
            line = lines[i]
            if _FENCE.match(line):
                fence = _FENCE.match(line).group(1)  # type: ignore[union-attr]
                j = i + 1
                while j < len(lines) and not lines[j].strip().startswith(fence):
                    j += 1
                block = "\n".join(lines[i:j + 1])
                if self.code_blocks:
                    flush()
                    blocks.append((list(path), block, True))
                else:
                    buf.extend(lines[i:j + 1])
                i = j + 1
                continue
            if self.join_table_rows and line.lstrip().startswith("|"):
                j = i
                while j < len(lines) and lines[j].lstrip().startswith("|"):
                    j += 1
                flush()
                blocks.append((list(path), "\n".join(lines[i:j]), True))
                i = j
                continue
            heading = _HEADING.match(line)
            if heading:
                flush()
                level = len(heading.group(1))
                path = path[:level - 1] + [line.strip()]
                buf.append(line)
            else:
                buf.append(line)
            i += 1
        flush()
        return blocks

    def split(self, body: str) -> list[str]:
        out: list[str] = []
        size = self.inner.chunk_size
        for path, block, atomic in self._blocks(body):
            prefix = ""
            if self.heading_hierarchy and path:
                parents = [h for h in path if not block.lstrip().startswith(h)]
                prefix = "\n".join(parents) + "\n" if parents else ""
            block = block.strip("\n")
            if len(prefix) + len(block) <= size or (atomic and len(block) <= size):
                out.append((prefix + block).strip())
                continue
            out.extend(prefix + c if prefix else c for c in self.inner.split(block))
        return [c for c in out if c.strip()]


@lua_methods("split_text", "split_batch")
class Splitter:
    def __init__(self, lua: Any, impl: RecursiveSplitter | MarkdownSplitter) -> None:
        self.lua = lua
        self.impl = impl

    def _args(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        return args[1:] if args and args[0] is self else args

    def split_text(self, *args: Any) -> Any:
        a = self._args(args)
        body = text(check_string(a[0] if a else None, "splitter:split_text", 2))
        return to_lua(self.lua, [_b(c) for c in self.impl.split(body)]), None

    def split_batch(self, *args: Any) -> Any:
        a = self._args(args)
        pages = a[0] if a else None
        if not is_table(pages):
            raise bad_argument("splitter:split_batch", 2, "table", pages)
        result = self.lua.table()
        n = 0
        for i in range(1, len(pages) + 1):
            page = pages[i]
            if not is_table(page):
                continue
            content = page[b"content"]
            meta = page[b"metadata"]
            if not isinstance(content, bytes) or not content:
                continue
            for chunk in self.impl.split(text(content)):
                row = self.lua.table()
                row[b"content"] = _b(chunk)
                row[b"metadata"] = meta if is_table(meta) else self.lua.table()
                n += 1
                result[n] = row
        return result, None


def _options(value: Any, fn: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not is_table(value):
        raise bad_argument(fn, 1, "table", value)
    return {text(k): v for k, v in value.items() if isinstance(k, bytes)}


def _separators(value: Any) -> list[str] | None:
    if not is_table(value):
        return None
    seps = [text(value[i]) for i in range(1, len(value) + 1) if isinstance(value[i], bytes)]
    return seps or None


def _int_option(opts: dict[str, Any], name: str, default: int) -> int:
    value = opts.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    return int(value)


def install(state: LuaState, runtime: LuaHost) -> None:
    lua = state.lua

    def compile_(pattern: Any = None, *_: Any) -> Any:
        source = check_string(pattern, "text.regexp.compile", 1)
        try:
            compiled = compile_re2(text(source))
        except (re.error, OverflowError, RecursionError) as exc:
            return fail(f"regex compile error: error parsing regexp: {exc}: "
                        f"`{text(source)}`", INVALID)
        return Regexp(lua, source, compiled), None

    def diff_new(options: Any = None, *_: Any) -> Any:
        opts = _options(options, "text.diff.new")
        dmp = diff_match_patch()
        for name, attr in _DIFF_OPTIONS.items():
            value = opts.get(name)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                setattr(dmp, attr, value)
        return Differ(lua, dmp), None

    def recursive_options(opts: dict[str, Any]) -> RecursiveSplitter:
        return RecursiveSplitter(_int_option(opts, "chunk_size", 4000),
                                 _int_option(opts, "chunk_overlap", 200),
                                 _separators(opts.get("separators")),
                                 opts.get("keep_separator") is True)

    def recursive(options: Any = None, *_: Any) -> Any:
        try:
            return Splitter(lua, recursive_options(_options(options, "text.splitter."
                                                                     "recursive"))), None
        except SplitterError as exc:
            return fail(f"text.splitter.recursive: {exc}", INVALID)

    def markdown(options: Any = None, *_: Any) -> Any:
        opts = _options(options, "text.splitter.markdown")
        try:
            inner = recursive_options(opts)
        except SplitterError as exc:
            return fail(f"text.splitter.markdown: {exc}", INVALID)
        return Splitter(lua, MarkdownSplitter(inner, opts.get("code_blocks") is True,
                                              opts.get("heading_hierarchy") is True,
                                              opts.get("join_table_rows") is True)), None

    state.bind("text", build(state, {
        "regexp": {"compile": compile_},
        "diff": {"new": diff_new},
        "splitter": {"recursive": recursive, "markdown": markdown},
    }))
