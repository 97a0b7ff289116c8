"""A renderer for a subset of Jet, the Go template language of Wippy's `templates` module.

No Python implementation of Jet exists, and Jinja2's syntax and inheritance rules differ
enough (`{{block name()}}` both defines and renders, `{{yield}}` with arguments, `range i, v
:=`) that translating would be more fragile than interpreting; so the statements are parsed
here and every expression is handed to the expr-lang evaluator (`expr_lang.py`), whose Go-like
syntax (operators, `?:`, calls, member and index access) is Jet's expression syntax.

Covered: text and `{{ expr }}` output (HTML-escaped as Jet's default set does; `| raw` or
`| unsafe` turn it off), pipelines `expr | f | g(arg)`, `{{- ` / ` -}}` whitespace trimming,
`{* comments *}`, `if` / `else if` / `else`, `range [k[, v] :=] expr` with `else`, variables
(`x := expr`, `x = expr`), `block name(params)` (defines and renders in place; overridden by an
extending template), `yield name(args)`, `extends`, `import` and `include`, configurable
delimiters and set globals. Jet's builtins `len`, `lower`, `upper`, `hasPrefix`, `hasSuffix`,
`repeat`, `replace`, `split`, `trimSpace`, `html`, `url`, `json`, `ints`, `isset`, `map`,
`slice`, plus the expr-lang builtins. Not covered: `try`/`catch`, `return`, `macro`, the `.`
context shorthand and methods on Go values; a template using them fails to parse, naming the
line.

As in Jet, an identifier that is not defined is a render error (`isset(x)` is the way to ask),
a `yield` of a block nobody defined is a render error (so a layout with `yield title()` does
not render on its own), and a missing template is a distinct error (`TemplateNotFound`).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .expr_lang import BUILTINS, PREDICATES, ExprError, Program, compile_expr


class TemplateError(Exception):
    """A parse or render failure naming the template and line."""


class TemplateNotFound(TemplateError):
    pass


# -- values as Go's fmt prints them --------------------------------------------------------

def _go_float(v: float) -> str:
    if v != v:
        return "NaN"
    if v in (float("inf"), float("-inf")):
        return "+Inf" if v > 0 else "-Inf"
    if v == 0:
        return "0"
    d = Decimal(repr(v)).normalize()
    exp = d.adjusted()
    if exp < -4 or exp >= 6:  # strconv's shortest %g: precision 6 decides the form
        mant = format(d.scaleb(-exp).normalize(), "f")
        return f"{mant}e{'+' if exp >= 0 else '-'}{abs(exp):02d}"
    return format(d, "f")


def go_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return _go_float(v)
    if isinstance(v, list):
        return "[" + " ".join(go_text(x) for x in v) + "]"
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{go_text(v[k])}" for k in sorted(v, key=str)) + "]"
    return str(v)


_HTML = str.maketrans({"&": "&amp;", "'": "&#39;", "<": "&lt;", ">": "&gt;", '"': "&#34;"})


def html_escape(text: str) -> str:
    return text.translate(_HTML)


class _Raw(str):
    """Output that is not escaped again (`raw`, `unsafe`, `html`)."""


def _truthy(v: Any) -> bool:
    if v is None or v is False:
        return False
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v != 0
    if isinstance(v, (str, list, dict)):
        return len(v) > 0
    return True


def _ints(a: Any, b: Any) -> list[int]:
    if not (isinstance(a, int) and isinstance(b, int)) or b - a > 1_000_000:
        raise ExprError("ints(from, to) needs two integers at most a million apart")
    return list(range(a, b))


JET_FUNCS: dict[str, Callable[..., Any]] = {
    "lower": lambda s: go_text(s).lower(),
    "upper": lambda s: go_text(s).upper(),
    "hasPrefix": lambda s, p: go_text(s).startswith(p),
    "hasSuffix": lambda s, p: go_text(s).endswith(p),
    "repeat": BUILTINS["repeat"],
    "replace": lambda s, old, new, n=-1: go_text(s).replace(old, new, n),
    "split": lambda s, sep: go_text(s).split(sep) if sep else list(go_text(s)),
    "trimSpace": lambda s: go_text(s).strip(),
    "html": lambda s: _Raw(html_escape(go_text(s))),
    "url": lambda s: urllib.parse.quote_plus(go_text(s)),
    "json": lambda v: _Raw(json.dumps(v, ensure_ascii=False)),
    "raw": lambda s: _Raw(go_text(s)),
    "unsafe": lambda s: _Raw(go_text(s)),
    "ints": _ints,
    "map": lambda *kv: {go_text(kv[i]): kv[i + 1] for i in range(0, len(kv) - 1, 2)},
    "slice": lambda *items: list(items),
}


# -- the template tree ---------------------------------------------------------------------

@dataclass
class _Expr:
    source: str
    line: int
    program: Program
    filters: list[tuple[str, list[Program]]]
    checked: bool  # undefined names are errors (not inside isset)


@dataclass
class Text:
    text: str


@dataclass
class Output:
    expr: _Expr


@dataclass
class Assign:
    name: str
    expr: _Expr
    declare: bool


@dataclass
class If:
    branches: list[tuple[_Expr | None, list[Any]]]


@dataclass
class Range:
    key: str | None
    value: str | None
    expr: _Expr
    body: list[Any]
    empty: list[Any]


@dataclass
class Block:
    name: str
    params: list[tuple[str, _Expr | None]]
    body: list[Any]
    line: int


@dataclass
class Yield:
    name: str
    args: list[tuple[str, _Expr]]
    line: int


@dataclass
class Include:
    name: str
    expr: _Expr | None
    line: int


@dataclass
class Template:
    name: str
    nodes: list[Any]
    extends: str | None = None
    imports: list[str] = field(default_factory=list)
    blocks: dict[str, Block] = field(default_factory=dict)


_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_ASSIGN = re.compile(rf"^({_IDENT})\s*(:?=)(?!=)\s*(.+)$", re.S)
_RANGE_VARS = re.compile(rf"^({_IDENT})(?:\s*,\s*({_IDENT}))?\s*:=\s*(.+)$", re.S)
_CALLISH = re.compile(rf"^({_IDENT})\s*\((.*)\)\s*$", re.S)
_STRING = re.compile(r'^\s*("(?:\\.|[^"\\])*"|`[^`]*`)\s*(.*)$', re.S)


def _split_top(text: str, sep: str) -> list[str]:
    """Split at `sep` outside strings and brackets (`|` alone, not `||`)."""
    parts, depth, quote, start, i = [], 0, "", 0, 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'`":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            double = sep == "|" and (text.startswith("||", i) or (i and text[i - 1] == "|"))
            if not double:
                parts.append(text[start:i])
                start = i + len(sep)
                i += len(sep)
                continue
        i += 1
    parts.append(text[start:])
    return parts


class _Parser:
    def __init__(self, name: str, source: str, left: str, right: str) -> None:
        self.name = name
        self.source = source
        self.left = left
        self.right = right

    def fail(self, line: int, message: str) -> TemplateError:
        return TemplateError(f"template {self.name}:{line}: {message}")

    def expr(self, text: str, line: int) -> _Expr:
        pieces = _split_top(text, "|")
        head = pieces[0].strip()
        if not head:
            raise self.fail(line, "missing expression")
        try:
            program = compile_expr(head)
            filters = []
            for piece in pieces[1:]:
                piece = piece.strip()
                m = _CALLISH.match(piece)
                fname, args = (m.group(1), m.group(2)) if m else (piece, "")
                if not re.fullmatch(_IDENT, fname):
                    raise self.fail(line, f"invalid pipeline step {piece!r}")
                arg_programs = [compile_expr(a.strip()) for a in _split_top(args, ",")
                                if a.strip()]
                filters.append((fname, arg_programs))
        except ExprError as exc:
            raise self.fail(line, f"{exc} in {text.strip()!r}") from None
        return _Expr(text.strip(), line, program, filters, "isset(" not in head)

    def tokens(self) -> list[tuple[str, str, int]]:
        """[(kind "text"|"action", content, line)] with trim markers applied."""
        out: list[tuple[str, str, int]] = []
        src, pos, line = self.source, 0, 1
        comment_l, comment_r = "{*", "*}"
        while pos < len(src):
            nxt = src.find(self.left, pos)
            com = src.find(comment_l, pos) if self.left == "{{" else -1
            if com != -1 and (nxt == -1 or com < nxt):
                end = src.find(comment_r, com + 2)
                if end == -1:
                    raise self.fail(line, "unclosed comment")
                out.append(("text", src[pos:com], line))
                line += src.count("\n", pos, end + 2)
                pos = end + 2
                continue
            if nxt == -1:
                out.append(("text", src[pos:], line))
                break
            out.append(("text", src[pos:nxt], line))
            line += src.count("\n", pos, nxt)
            start = nxt + len(self.left)
            end = self._close(start, line)
            body = src[start:end]
            trim_left = body.startswith("-") and (len(body) == 1 or body[1] in " \t\r\n")
            trim_right = body.endswith("-") and len(body) > 1 and body[-2] in " \t\r\n"
            if trim_left:
                body = body[1:]
                out[-1] = ("text", out[-1][1].rstrip(), out[-1][2])
            if trim_right:
                body = body[:-1]
            out.append(("action", body.strip(), line))
            line += src.count("\n", nxt, end + len(self.right))
            pos = end + len(self.right)
            if trim_right:
                stripped = src[pos:].lstrip()
                line += src.count("\n", pos, len(src) - len(stripped))
                pos = len(src) - len(stripped)
        return out

    def _close(self, start: int, line: int) -> int:
        src, i, quote = self.source, start, ""
        while i < len(src):
            c = src[i]
            if quote:
                if c == "\\":
                    i += 1
                elif c == quote:
                    quote = ""
            elif c in "\"'`":
                quote = c
            elif src.startswith(self.right, i):
                return i
            i += 1
        raise self.fail(line, f"unclosed action (missing {self.right!r})")

    def parse(self) -> Template:
        tpl = Template(self.name, [])
        toks = self.tokens()
        nodes, pos = self.nodes(toks, 0, tpl, top=True)
        if pos < len(toks):
            raise self.fail(toks[pos][2], f"unexpected {toks[pos][1].split()[0]!r}")
        tpl.nodes = nodes
        return tpl

    def nodes(self, toks: list[tuple[str, str, int]], pos: int, tpl: Template,
              top: bool = False) -> tuple[list[Any], int]:
        """Nodes until an `end`/`else` (left for the caller) or the end of input."""
        out: list[Any] = []
        while pos < len(toks):
            kind, body, line = toks[pos]
            if kind == "text":
                if body:
                    out.append(Text(body))
                pos += 1
                continue
            word, _, rest = body.partition(" ")
            rest = rest.strip()
            if word in ("end", "else"):
                if top:
                    raise self.fail(line, f"unexpected {word!r}")
                return out, pos
            pos += 1
            if word == "if":
                branch, pos = self.if_(toks, pos, tpl, rest, line)
                out.append(branch)
            elif word == "range":
                loop, pos = self.range_(toks, pos, tpl, rest, line)
                out.append(loop)
            elif word == "block":
                m = _CALLISH.match(rest)
                if m is None:
                    raise self.fail(line, "block needs a name and parameters: block name()")
                params = self.params(m.group(2), line, defaults=True)
                body_nodes, pos = self.nodes(toks, pos, tpl)
                pos = self.expect_end(toks, pos, line, "block")
                blk = Block(m.group(1), [(n, e) for n, e in params], body_nodes, line)
                tpl.blocks[blk.name] = blk
                out.append(Yield(blk.name, [], line))
            elif word == "yield":
                m = _CALLISH.match(rest)
                if m is None:
                    raise self.fail(line, "yield needs a block call: yield name()")
                args = self.params(m.group(2), line, defaults=False)
                out.append(Yield(m.group(1), [(n, e) for n, e in args if e is not None],
                                 line))
            elif word in ("extends", "import", "include"):
                m = _STRING.match(rest)
                if m is None:
                    raise self.fail(line, f"{word} needs a template name in quotes")
                target = compile_expr(m.group(1)).run({})
                if word == "extends":
                    if out and not all(isinstance(n, Text) and not n.text.strip()
                                       for n in out):
                        raise self.fail(line, "extends must come first")
                    tpl.extends = target
                elif word == "import":
                    tpl.imports.append(target)
                else:
                    ctx = m.group(2).strip()
                    out.append(Include(target, self.expr(ctx, line) if ctx else None, line))
            elif word in ("try", "catch", "return", "macro"):
                raise self.fail(line, f"{word!r} is not supported by this Jet renderer")
            else:
                m = _ASSIGN.match(body)
                if m is not None:
                    out.append(Assign(m.group(1), self.expr(m.group(3), line),
                                      m.group(2) == ":="))
                else:
                    out.append(Output(self.expr(body, line)))
        return out, pos

    def expect_end(self, toks: list[tuple[str, str, int]], pos: int, line: int,
                   what: str) -> int:
        if pos >= len(toks) or toks[pos][1].split(" ", 1)[0] != "end":
            raise self.fail(line, f"{what} is never closed with end")
        return pos + 1

    def params(self, text: str, line: int, defaults: bool) -> list[tuple[str, _Expr | None]]:
        out: list[tuple[str, _Expr | None]] = []
        for piece in _split_top(text, ","):
            piece = piece.strip()
            if not piece:
                continue
            name, eq, value = piece.partition("=")
            name = name.strip()
            if not re.fullmatch(_IDENT, name):
                raise self.fail(line, f"invalid parameter {piece!r}")
            out.append((name, self.expr(value, line) if eq else None))
        return out

    def if_(self, toks: list[tuple[str, str, int]], pos: int, tpl: Template, cond: str,
            line: int) -> tuple[If, int]:
        branches: list[tuple[_Expr | None, list[Any]]] = []
        current: _Expr | None = self.expr(cond, line)
        while True:
            body, pos = self.nodes(toks, pos, tpl)
            branches.append((current, body))
            if pos >= len(toks):
                raise self.fail(line, "if is never closed with end")
            word, _, rest = toks[pos][1].partition(" ")
            pos += 1
            if word == "end":
                return If(branches), pos
            rest = rest.strip()
            if rest.startswith("if "):
                current = self.expr(rest[3:], toks[pos - 1][2])
            elif not rest:
                body, pos = self.nodes(toks, pos, tpl)
                branches.append((None, body))
                return If(branches), self.expect_end(toks, pos, line, "if")
            else:
                raise self.fail(toks[pos - 1][2], f"unexpected else {rest!r}")

    def range_(self, toks: list[tuple[str, str, int]], pos: int, tpl: Template, rest: str,
               line: int) -> tuple[Range, int]:
        m = _RANGE_VARS.match(rest)
        key = value = None
        if m is not None:
            if m.group(2):
                key, value = m.group(1), m.group(2)
            else:
                value = m.group(1)
            rest = m.group(3)
        target = self.expr(rest, line)
        body, pos = self.nodes(toks, pos, tpl)
        empty: list[Any] = []
        if pos < len(toks) and toks[pos][1] == "else":
            empty, pos = self.nodes(toks, pos + 1, tpl)
        return Range(key, value, target, body, empty), self.expect_end(toks, pos, line,
                                                                       "range")


def parse(name: str, source: str, left: str = "{{", right: str = "}}") -> Template:
    return _Parser(name, source, left, right).parse()


# -- rendering ----------------------------------------------------------------------------

class _Scope:
    def __init__(self, parent: _Scope | None, values: dict[str, Any] | None = None) -> None:
        self.parent = parent
        self.values = values if values is not None else {}

    def lookup(self, name: str) -> tuple[bool, Any]:
        s: _Scope | None = self
        while s is not None:
            if name in s.values:
                return True, s.values[name]
            s = s.parent
        return False, None

    def assign(self, name: str, value: Any) -> bool:
        s: _Scope | None = self
        while s is not None:
            if name in s.values:
                s.values[name] = value
                return True
            s = s.parent
        return False

    def flat(self) -> dict[str, Any]:
        chain = []
        s: _Scope | None = self
        while s is not None:
            chain.append(s.values)
            s = s.parent
        out: dict[str, Any] = {}
        for values in reversed(chain):
            out.update(values)
        return out


class TemplateSet:
    """Named templates sharing delimiters and globals (a `template.set` entry)."""

    def __init__(self, left: str = "{{", right: str = "}}",
                 globals_: dict[str, Any] | None = None) -> None:
        self.left = left
        self.right = right
        self.globals = dict(globals_ or {})
        self.templates: dict[str, Template] = {}

    def add(self, template: Template) -> None:
        self.templates[template.name] = template

    def remove(self, template: Template) -> None:
        if self.templates.get(template.name) is template:
            del self.templates[template.name]

    def find(self, name: str) -> Template:
        for candidate in (name, name.lstrip("/"), name.removesuffix(".jet"),
                          name.lstrip("/").removesuffix(".jet")):
            t = self.templates.get(candidate)
            if t is not None:
                return t
        raise TemplateNotFound(f"template {name!r} not found")

    def render(self, name: str, data: dict[str, Any]) -> str:
        template = self.find(name)
        return _Render(self).template(template, _Scope(_Scope(None, dict(self.globals)),
                                                       dict(data)))


class _Render:
    def __init__(self, tset: TemplateSet) -> None:
        self.set = tset
        self.depth = 0

    def template(self, tpl: Template, scope: _Scope,
                 overrides: dict[str, tuple[Block, Template]] | None = None) -> str:
        self.depth += 1
        if self.depth > 64:
            raise TemplateError(f"template {tpl.name}: templates nest more than 64 deep "
                                "(an extends or include cycle?)")
        try:
            blocks: dict[str, tuple[Block, Template]] = {}
            for imported in tpl.imports:
                imp = self.set.find(imported)
                blocks.update({n: (b, imp) for n, b in imp.blocks.items()})
            blocks.update({n: (b, tpl) for n, b in tpl.blocks.items()})
            if overrides:
                blocks.update(overrides)
            if tpl.extends is not None:
                parent = self.set.find(tpl.extends)
                return self.template(parent, scope, blocks)
            out: list[str] = []
            self.nodes(tpl, tpl.nodes, scope, blocks, out)
            return "".join(out)
        finally:
            self.depth -= 1

    def eval(self, tpl: Template, e: _Expr, scope: _Scope) -> Any:
        env = scope.flat()
        for fname, fn in JET_FUNCS.items():
            env.setdefault(fname, fn)
        if "isset(" in e.source:
            env["isset"] = lambda v: v is not None
        if e.checked:
            for name in sorted(e.program.names):
                if name not in env and name not in BUILTINS and name not in PREDICATES:
                    raise TemplateError(f"template {tpl.name}:{e.line}: identifier {name!r} "
                                        "is not available in the current scope")
        try:
            value = e.program.run(env)
            for fname, args in e.filters:
                step = env.get(fname) or BUILTINS.get(fname)
                if not callable(step):
                    raise ExprError(f"unknown function {fname} in pipeline")
                value = step(value, *[a.run(env) for a in args])
        except ExprError as exc:
            raise TemplateError(f"template {tpl.name}:{e.line}: {exc} in {e.source!r}") from None
        except TypeError as exc:
            raise TemplateError(f"template {tpl.name}:{e.line}: {exc} in {e.source!r}") from None
        return value

    def nodes(self, tpl: Template, nodes: list[Any], scope: _Scope,
              blocks: dict[str, tuple[Block, Template]], out: list[str]) -> None:
        for node in nodes:
            if isinstance(node, Text):
                out.append(node.text)
            elif isinstance(node, Output):
                value = self.eval(tpl, node.expr, scope)
                out.append(value if isinstance(value, _Raw) else html_escape(go_text(value)))
            elif isinstance(node, Assign):
                value = self.eval(tpl, node.expr, scope)
                if node.declare or not scope.assign(node.name, value):
                    if not node.declare:
                        raise TemplateError(f"template {tpl.name}:{node.expr.line}: "
                                            f"variable {node.name!r} is not declared")
                    scope.values[node.name] = value
            elif isinstance(node, If):
                for cond, body in node.branches:
                    if cond is None or _truthy(self.eval(tpl, cond, scope)):
                        self.nodes(tpl, body, _Scope(scope), blocks, out)
                        break
            elif isinstance(node, Range):
                self.range_(tpl, node, scope, blocks, out)
            elif isinstance(node, Yield):
                self.yield_(tpl, node, scope, blocks, out)
            elif isinstance(node, Include):
                target = self.set.find(node.name)
                inner = scope if node.expr is None else _Scope(
                    scope, {"context": self.eval(tpl, node.expr, scope)})
                out.append(self.template(target, _Scope(inner)))

    def range_(self, tpl: Template, node: Range, scope: _Scope,
               blocks: dict[str, tuple[Block, Template]], out: list[str]) -> None:
        coll = self.eval(tpl, node.expr, scope)
        if isinstance(coll, dict):
            pairs: list[tuple[Any, Any]] = [(k, coll[k]) for k in sorted(coll, key=str)]
        elif isinstance(coll, list):
            pairs = list(enumerate(coll))
        elif coll is None:
            pairs = []
        elif isinstance(coll, int) and not isinstance(coll, bool):
            pairs = [(i, i) for i in range(coll)]
        else:
            raise TemplateError(f"template {tpl.name}:{node.expr.line}: cannot range over "
                                f"{type(coll).__name__} ({node.expr.source!r})")
        if not pairs:
            self.nodes(tpl, node.empty, _Scope(scope), blocks, out)
            return
        for k, v in pairs:
            inner: dict[str, Any] = {}
            if node.key is not None:
                inner[node.key] = k
            if node.value is not None:
                inner[node.value] = v
            self.nodes(tpl, node.body, _Scope(scope, inner), blocks, out)

    def yield_(self, tpl: Template, node: Yield, scope: _Scope,
               blocks: dict[str, tuple[Block, Template]], out: list[str]) -> None:
        found = blocks.get(node.name)
        if found is None:
            raise TemplateError(f"template {tpl.name}:{node.line}: unknown block "
                                f"{node.name!r} (no template defines it)")
        block, owner = found
        given = {n: self.eval(tpl, e, scope) for n, e in node.args}
        values: dict[str, Any] = {}
        for name, default in block.params:
            if name in given:
                values[name] = given[name]
            elif default is not None:
                values[name] = self.eval(owner, default, scope)
        values.update({n: v for n, v in given.items() if n not in values})
        self.nodes(owner, block.body, _Scope(scope, values), blocks, out)
