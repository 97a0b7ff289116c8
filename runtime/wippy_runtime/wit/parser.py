"""Parse WIT text into the type model.

Two inputs share one grammar (`wit.lark`, LALR(1)): Wippy's bare signature lines as found in
an entry's `wit:` field (`compute: func(a: s32, b: s32) -> s32;`, with any type definitions
they use at top level), and full WIT documents (package, interfaces, worlds) as shipped with a
component. Parsing happens in two passes: lark builds a tree, then a resolver turns names into
types per scope, so definitions may come after their use (forward references), aliases vanish,
and unknown, duplicate or cyclic names are reported with their line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .types import (
    PRIMITIVES,
    BorrowType,
    Case,
    EnumType,
    Field,
    FlagsType,
    FuncType,
    ListType,
    OptionType,
    OwnType,
    Param,
    Primitive,
    RecordType,
    ResourceType,
    ResultType,
    TupleType,
    VariantType,
    WitType,
)

__all__ = [
    "WitError",
    "WitDocument",
    "Interface",
    "World",
    "parse_wit",
    "parse_signatures",
]


class WitError(ValueError):
    """A syntax or name error in WIT text; `line`/`column` are 1-based (0 when unknown)."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        self.message = message
        self.line = line
        self.column = column
        where = f"line {line}, column {column}: " if line else ""
        super().__init__(where + message)


@dataclass
class Interface:
    """An interface's resolved types and functions (functions keyed by their bare name)."""

    name: str
    types: dict[str, WitType] = field(default_factory=dict)
    functions: dict[str, FuncType] = field(default_factory=dict)
    docs: str | None = None


@dataclass
class World:
    """A world: its own types, and what it imports and exports.

    `exports`/`imports` map a name to a `FuncType` (a freestanding function), an `Interface`
    (inline or defined in this document), or a `str` (an interface from another package that
    this document does not define, e.g. `wasi:cli/environment@0.2.0`).
    """

    name: str
    types: dict[str, WitType] = field(default_factory=dict)
    exports: dict[str, FuncType | Interface | str] = field(default_factory=dict)
    imports: dict[str, FuncType | Interface | str] = field(default_factory=dict)
    docs: str | None = None


@dataclass
class WitDocument:
    """Everything in one WIT text.

    `functions` holds the top-level (Wippy-style) functions, `types` the top-level type
    definitions. `exported_functions()` flattens worlds into the names used by Wippy's
    `method:` field.
    """

    package: str | None = None
    types: dict[str, WitType] = field(default_factory=dict)
    functions: dict[str, FuncType] = field(default_factory=dict)
    interfaces: dict[str, Interface] = field(default_factory=dict)
    worlds: dict[str, World] = field(default_factory=dict)
    type_docs: dict[str, str] = field(default_factory=dict)

    def exported_functions(self, world: str | None = None) -> dict[str, FuncType]:
        """Callable functions by Wippy method name: `fn`, or `iface#fn` for interface exports.

        Top-level functions come first, then the exports of `world` (all worlds if None).
        """
        out: dict[str, FuncType] = dict(self.functions)
        worlds = self.worlds.values() if world is None else [self.worlds[world]]
        for w in worlds:
            for key, item in w.exports.items():
                if isinstance(item, FuncType):
                    out.setdefault(key, item)
                elif isinstance(item, Interface):
                    for fname, ft in item.functions.items():
                        out.setdefault(f"{key}#{fname}", ft)
        return out


def parse_wit(text: str) -> WitDocument:
    """Parse WIT text (signature lines and/or a full document); raise `WitError` on errors."""
    try:
        tree = _PARSER.parse(text)
        return _Builder(text).build(tree)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, text) from None
    except RecursionError:
        # the LALR parse is iterative, but building types from the tree recurses per level
        raise WitError("types nested too deeply") from None


def parse_signatures(text: str) -> dict[str, FuncType]:
    """Parse an entry's `wit:` text into its callable functions by method name.

    This is what the loader calls for core modules (`answer: func() -> s32;`); it also
    accepts a full document, in which case world exports are included (`iface#fn`).
    """
    return parse_wit(text).exported_functions()


# ---------------------------------------------------------------------------------------
# syntax errors

_GRAMMAR = (Path(__file__).with_name("wit.lark")).read_text(encoding="utf-8")
_PARSER = Lark(_GRAMMAR, parser="lalr", lexer="contextual", propagate_positions=True)

_TYPE_KEYWORDS = {"list", "option", "result", "tuple", "own", "borrow"}


def _terminal_text(name: str) -> str | None:
    """The literal text of a keyword/punctuation terminal, or None for a regex terminal."""
    try:
        pattern = _PARSER.get_terminal(name).pattern
    except KeyError:
        return None
    return pattern.value if pattern.type == "str" else None


_TYPE_START = {
    n
    for n in (t.name for t in _PARSER.terminals)
    if (_terminal_text(n) in PRIMITIVES or _terminal_text(n) in _TYPE_KEYWORDS)
}


def _describe_expected(expected: set[str]) -> str:
    expected = set(expected)
    parts: list[str] = []
    if expected >= _TYPE_START:
        parts.append("a type")
        expected -= _TYPE_START
        expected.discard("NAME")
    if "NAME" in expected:
        parts.append("a name")
        expected.discard("NAME")
    end = "$END" in expected
    expected.discard("$END")
    literals = sorted(
        {f"'{_terminal_text(n)}'" if _terminal_text(n) is not None else n.lower() for n in expected}
    )
    parts.extend(literals)
    if end:
        parts.append("end of input")
    if not parts:
        return "something else"
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " or " + parts[-1]


def _end_position(text: str) -> tuple[int, int]:
    lines = text.split("\n")
    return len(lines), len(lines[-1]) + 1


def _syntax_error(exc: UnexpectedInput, text: str) -> WitError:
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        expected = set(exc.expected)
        if exc.interactive_parser is not None:
            # The contextual lexer reports only its regex terminals (keywords are folded into
            # NAME), so ask the parser state what it would really accept.
            expected = {k for k in exc.interactive_parser.choices() if k.isupper()}
        if token.type == "$END":
            line, col = _end_position(text)
            found = "end of input"
        else:
            line, col = token.line or 0, token.column or 0
            found = f"'{token.value}'"
        return WitError(f"expected {_describe_expected(expected)}, found {found}", line, col)
    if isinstance(exc, UnexpectedEOF):
        line, col = _end_position(text)
        return WitError(f"expected {_describe_expected(set(exc.expected))}, found end of input",
                        line, col)
    if isinstance(exc, UnexpectedCharacters):
        return WitError(f"unexpected character {exc.char!r}", exc.line, exc.column)
    return WitError(str(exc), getattr(exc, "line", 0), getattr(exc, "column", 0))


# ---------------------------------------------------------------------------------------
# semantic pass


@dataclass(frozen=True)
class _Name:
    text: str
    line: int
    column: int


@dataclass(frozen=True)
class _Ref(WitType):
    """An unresolved reference to a named type (only exists between the two passes)."""

    name: str
    line: int
    column: int


@dataclass
class _Def:
    name: _Name
    raw: Any  # a raw type (children may be _Ref) or ResourceType
    docs: str | None
    alias: bool = False


@dataclass
class _Scope:
    """Type names visible to the functions of one interface, world or the top level."""

    label: str
    defs: dict[str, _Def] = field(default_factory=dict)
    uses: dict[str, tuple[Any, str, _Name]] = field(default_factory=dict)
    parent: _Scope | None = None
    resolved: dict[str, WitType] = field(default_factory=dict)
    resolving: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)




class _Builder:
    """Walks the lark tree, collects scopes, then resolves every name."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.doc = WitDocument()
        self.top = _Scope("top level")
        self.iface_scopes: dict[str, _Scope] = {}
        # (scope, raw function, sink dict, key) collected then resolved at the end
        self.pending_funcs: list[tuple[_Scope, tuple, dict[str, FuncType], str]] = []
        self.pending_iface_refs: list[tuple[World, str, str, str, _Name]] = []
        # every scope whose type definitions are published, with the dict they go to
        self.type_sinks: list[tuple[_Scope, dict[str, WitType]]] = [(self.top, self.doc.types)]

    # ---- entry point ----
    def build(self, tree: Tree) -> WitDocument:
        for item in tree.children:
            self._top_item(item)
        # Interfaces may be referenced by `use` / `export iface;` before they are defined.
        for world, direction, key, path, _pos in self.pending_iface_refs:
            target = world.exports if direction == "export" else world.imports
            iface = self._local_interface(path)
            target[key] = iface if iface is not None else path
        for scope, raw, sink, key in self.pending_funcs:
            sink[key] = self._resolve_func(scope, raw)
        for scope, sink in self.type_sinks:
            for name, d in scope.defs.items():
                sink[name] = self._resolve_name(scope, name, d.name)
                if d.docs and scope is self.top:
                    self.doc.type_docs[name] = d.docs
        return self.doc

    def _top_item(self, item: Tree) -> None:
        kind = item.data
        if kind == "package_decl":
            self.doc.package = self._package_name(item.children[0])
        elif kind == "top_func":
            name = self._name(item.children[0])
            raw = self._functype(name.text, item.children[1])[:3] + (self._docs(name.line),)
            self._declare(self.top, name)
            self._add_func(self.top, raw, self.doc.functions, name.text)
        elif kind == "use_stmt":
            self._use(self.top, item)
        elif kind == "interface_def":
            name = self._name(item.children[0])
            if name.text in self.doc.interfaces:
                raise WitError(f'duplicate interface "{name.text}"', name.line, name.column)
            iface = Interface(name.text, docs=self._docs(name.line))
            self.doc.interfaces[name.text] = iface
            scope = _Scope(f'interface "{name.text}"', parent=self.top)
            self.iface_scopes[name.text] = scope
            self._iface_items(scope, iface, item.children[1:])
        elif kind == "world_def":
            self._world(item)
        else:
            for key, raw in self._typedef(self.top, item):
                self._add_func(self.top, raw, self.doc.functions, key)

    def _add_func(self, scope: _Scope, raw: tuple, sink: dict, key: str) -> None:
        """Reserve `key` in `sink` (keeping declaration order) and resolve it at the end."""
        sink[key] = None
        self.pending_funcs.append((scope, raw, sink, key))

    # ---- helpers for names and docs ----
    def _name(self, node: Tree) -> _Name:
        tok: Token = node.children[0]
        text = tok.value[1:] if tok.value.startswith("%") else tok.value
        return _Name(text, tok.line or 0, tok.column or 0)

    def _docs(self, line: int) -> str | None:
        """`///` comment lines directly above `line` (1-based), without the slashes."""
        out: list[str] = []
        i = line - 2
        while i >= 0:
            stripped = self.lines[i].strip()
            if stripped.startswith("///"):
                out.append(stripped[3:].strip())
            elif stripped.startswith("@"):
                pass  # a feature gate between the doc comment and the item
            else:
                break
            i -= 1
        return "\n".join(reversed(out)) if out else None

    def _declare(self, scope: _Scope, name: _Name) -> None:
        if name.text in scope.names:
            raise WitError(f'duplicate name "{name.text}" in {scope.label}', name.line,
                           name.column)
        scope.names.add(name.text)

    def _package_name(self, node: Tree) -> str:
        parts = [c for c in node.children]
        names = [self._name(p).text for p in parts if isinstance(p, Tree)]
        version = "".join(p.value for p in parts if isinstance(p, Token))
        text = names[0] + ":" + names[1]
        if len(names) > 2:
            text += "/" + "/".join(names[2:])
        return text + version

    def _path(self, node: Tree) -> str:
        if node.data == "local_path":
            return self._name(node.children[0]).text
        names = [self._name(c).text for c in node.children if isinstance(c, Tree)]
        version = "".join(c.value for c in node.children if isinstance(c, Token))
        return f"{names[0]}:{names[1]}/{names[2]}{version}"

    def _path_pos(self, node: Tree) -> _Name:
        return self._name(node.children[0])

    def _local_interface(self, path: str) -> Interface | None:
        if path in self.doc.interfaces:
            return self.doc.interfaces[path]
        # `ns:pkg/iface` naming an interface of this very package
        if self.doc.package and "/" in path:
            pkg, _, rest = path.partition("/")
            rest_name, _, version = rest.partition("@")
            own_pkg, _, own_version = self.doc.package.partition("@")
            if pkg == own_pkg and (not version or version == own_version):
                return self.doc.interfaces.get(rest_name)
        return None

    # ---- type definitions ----
    def _typedef(self, scope: _Scope, item: Tree) -> list[tuple[str, tuple]]:
        """Record a type definition in `scope`; return resource functions it declares."""
        kind = item.data
        name = self._name(item.children[0])
        self._declare(scope, name)
        docs = self._docs(name.line)
        extra: list[tuple[str, tuple]] = []
        if kind == "record_def":
            fields = [c for c in item.children[1:] if c is not None]
            seen: set[str] = set()
            out = []
            for f in fields:
                fname = self._name(f.children[0])
                self._unique(seen, fname, f'field in record "{name.text}"')
                out.append(Field(fname.text, self._type(f.children[1])))
            raw: Any = RecordType(name.text, tuple(out))
        elif kind == "variant_def":
            seen = set()
            cases = []
            for c in item.children[1:]:
                if c is None:
                    continue
                cname = self._name(c.children[0])
                self._unique(seen, cname, f'case in variant "{name.text}"')
                payload = c.children[1] if len(c.children) > 1 else None
                cases.append(Case(cname.text, None if payload is None else self._type(payload)))
            if not cases:
                raise WitError(f'variant "{name.text}" has no cases', name.line, name.column)
            raw = VariantType(name.text, tuple(cases))
        elif kind in ("enum_def", "flags_def"):
            seen = set()
            names = []
            for c in item.children[1:]:
                if c is None:
                    continue
                n = self._name(c)
                what = "case in enum" if kind == "enum_def" else "flag in flags"
                self._unique(seen, n, f'{what} "{name.text}"')
                names.append(n.text)
            if kind == "enum_def":
                if not names:
                    raise WitError(f'enum "{name.text}" has no cases', name.line, name.column)
                raw = EnumType(name.text, tuple(names))
            else:
                raw = FlagsType(name.text, tuple(names))
        elif kind == "alias_def":
            scope.defs[name.text] = _Def(name, self._type(item.children[1]), docs, alias=True)
            return extra
        elif kind in ("resource_plain", "resource_body"):
            raw = ResourceType(name.text)
            if kind == "resource_body":
                extra = self._resource_items(name, item.children[1:])
        else:  # pragma: no cover - grammar and builder out of sync
            raise WitError(f"unsupported item {kind}", name.line, name.column)
        scope.defs[name.text] = _Def(name, raw, docs)
        return extra

    def _unique(self, seen: set[str], name: _Name, what: str) -> None:
        if name.text in seen:
            raise WitError(f'duplicate {what}: "{name.text}"', name.line, name.column)
        seen.add(name.text)

    def _resource_items(self, res: _Name, items: list[Tree]) -> list[tuple[str, tuple]]:
        """Resource methods become functions named as the component model names them."""
        out: list[tuple[str, tuple]] = []
        ref = _Ref(res.text, res.line, res.column)
        for it in items:
            if it.data == "res_constructor":
                params = self._params(it.children[0])
                key = f"[constructor]{res.text}"
                out.append((key, (key, params, [OwnType(ref)], self._docs(it.meta.line))))
            else:
                mname = self._name(it.children[0])
                _, params, results, _ = self._functype(mname.text, it.children[1])
                if it.data == "res_method":
                    key = f"[method]{res.text}.{mname.text}"
                    params = [(_Name("self", mname.line, mname.column), BorrowType(ref))] + params
                else:
                    key = f"[static]{res.text}.{mname.text}"
                out.append((key, (key, params, results, self._docs(mname.line))))
        return out

    # ---- types (raw: named references stay as _Ref until resolution) ----
    def _type(self, node: Tree) -> Any:
        kind = node.data
        ch = node.children
        if kind == "prim":
            text = ch[0].value
            return PRIMITIVES[text]
        if kind == "ref_t":
            n = self._name(ch[0])
            return _Ref(n.text, n.line, n.column)
        if kind == "list_t":
            return ListType(self._type(ch[0]))
        if kind == "option_t":
            return OptionType(self._type(ch[0]))
        if kind == "result_none":
            return ResultType(None, None)
        if kind == "result_ok":
            return ResultType(self._type(ch[0]), None)
        if kind == "result_err":
            return ResultType(None, self._type(ch[0]))
        if kind == "result_both":
            return ResultType(self._type(ch[0]), self._type(ch[1]))
        if kind == "tuple_t":
            return TupleType(tuple(self._type(c) for c in ch))
        if kind in ("own_t", "borrow_t"):
            n = self._name(ch[0])
            ref = _Ref(n.text, n.line, n.column)
            return OwnType(ref) if kind == "own_t" else BorrowType(ref)  # type: ignore[arg-type]
        raise AssertionError(kind)  # pragma: no cover

    def _params(self, node: Tree | None) -> list[tuple[_Name, Any]]:
        if node is None:
            return []
        out = []
        seen: set[str] = set()
        for p in node.children:
            n = self._name(p.children[0])
            self._unique(seen, n, "parameter")
            out.append((n, self._type(p.children[1])))
        return out

    def _functype(self, name: str, node: Tree) -> tuple:
        ch = node.children
        params = self._params(ch[0])
        results: list[Any] = []
        res = ch[1]
        if res is not None:
            if res.data == "single_result":
                results = [self._type(res.children[0])]
            elif res.children and res.children[0] is not None:
                for item in res.children[0].children:
                    results.append(self._type(item.children[-1]))
        line = node.meta.line if not node.meta.empty else 0
        return (name, params, results, self._docs(line) if line else None)

    # ---- interfaces and worlds ----
    def _iface_items(self, scope: _Scope, iface: Interface, items: list[Tree]) -> None:
        self.type_sinks.append((scope, iface.types))
        for it in items:
            if it.data == "iface_func":
                n = self._name(it.children[0])
                self._declare(scope, n)
                raw = self._functype(n.text, it.children[1])[:3] + (self._docs(n.line),)
                self._add_func(scope, raw, iface.functions, n.text)
            elif it.data == "use_stmt":
                self._use(scope, it)
            else:
                for key, raw in self._typedef(scope, it):
                    self._add_func(scope, raw, iface.functions, key)

    def _world(self, item: Tree) -> None:
        name = self._name(item.children[0])
        if name.text in self.doc.worlds:
            raise WitError(f'duplicate world "{name.text}"', name.line, name.column)
        world = World(name.text, docs=self._docs(name.line))
        self.doc.worlds[name.text] = world
        scope = _Scope(f'world "{name.text}"', parent=self.top)
        self.type_sinks.append((scope, world.types))
        seen: set[str] = set()
        for it in item.children[1:]:
            kind = it.data
            if kind in ("world_func", "world_inline_iface", "world_iface_ref"):
                direction = it.children[0].children[0].value
                target = world.exports if direction == "export" else world.imports
                if kind == "world_iface_ref":
                    path = self._path(it.children[1])
                    pos = self._path_pos(it.children[1])
                    key = path
                    self._unique(seen, _Name(f"{direction} {key}", pos.line, pos.column),
                                 f'{direction} in world "{name.text}"')
                    target[key] = path
                    self.pending_iface_refs.append((world, direction, key, path, pos))
                    continue
                n = self._name(it.children[1])
                self._unique(seen, _Name(f"{direction} {n.text}", n.line, n.column),
                             f'{direction} in world "{name.text}"')
                if kind == "world_func":
                    raw = self._functype(n.text, it.children[2])[:3] + (self._docs(n.line),)
                    self._add_func(scope, raw, target, n.text)
                else:
                    iface = Interface(n.text, docs=self._docs(n.line))
                    iscope = _Scope(f'interface "{n.text}"', parent=self.top)
                    self._iface_items(iscope, iface, it.children[2:])
                    target[n.text] = iface
            elif kind == "use_stmt":
                self._use(scope, it)
            elif kind == "include_stmt":
                continue  # includes of other worlds only matter for linking, not for calls
            else:
                for key, raw in self._typedef(scope, it):
                    # world-level resources are imported by the component model
                    self._add_func(scope, raw, world.imports, key)

    def _use(self, scope: _Scope, item: Tree) -> None:
        path_node = item.children[0]
        path = self._path(path_node)
        for un in item.children[1:]:
            orig = self._name(un.children[0])
            alias = self._name(un.children[1]) if un.children[1] is not None else orig
            self._declare(scope, alias)
            scope.uses[alias.text] = (path, orig.text, alias)

    # ---- resolution ----
    def _lookup(self, scope: _Scope, name: str, pos: _Name) -> WitType:
        s: _Scope | None = scope
        while s is not None:
            if name in s.defs:
                return self._resolve_name(s, name, pos)
            if name in s.uses:
                path, orig, _ = s.uses[name]
                target = self._iface_scope(path)
                if target is None:
                    raise WitError(
                        f'cannot use "{orig}" from "{path}": interface not defined in this '
                        "document",
                        pos.line,
                        pos.column,
                    )
                if orig not in target.defs and orig not in target.uses:
                    raise WitError(f'interface "{path}" has no type "{orig}"', pos.line,
                                   pos.column)
                return self._lookup(target, orig, pos)
            s = s.parent
        raise WitError(f'unknown type "{name}"', pos.line, pos.column)

    def _iface_scope(self, path: str) -> _Scope | None:
        iface = self._local_interface(path)
        return None if iface is None else self.iface_scopes.get(iface.name)

    def _resolve_name(self, scope: _Scope, name: str, pos: _Name) -> WitType:
        if name in scope.resolved:
            return scope.resolved[name]
        d = scope.defs[name]
        if name in scope.resolving:
            raise WitError(f'type "{name}" refers to itself', d.name.line, d.name.column)
        scope.resolving.add(name)
        try:
            t = self._resolve(scope, d.raw)
        finally:
            scope.resolving.discard(name)
        scope.resolved[name] = t
        return t

    def _resolve(self, scope: _Scope, raw: Any) -> WitType:
        r = self._resolve
        if isinstance(raw, _Ref):
            t = self._lookup(scope, raw.name, _Name(raw.name, raw.line, raw.column))
            # A resource named in a type position is an owned handle.
            return OwnType(t) if isinstance(t, ResourceType) else t
        if raw is None or isinstance(raw, Primitive):
            return raw
        if isinstance(raw, ListType):
            return ListType(r(scope, raw.element))
        if isinstance(raw, OptionType):
            return OptionType(r(scope, raw.inner))
        if isinstance(raw, ResultType):
            ok = None if raw.ok is None else r(scope, raw.ok)
            err = None if raw.err is None else r(scope, raw.err)
            return ResultType(ok, err)
        if isinstance(raw, TupleType):
            return TupleType(tuple(r(scope, e) for e in raw.elements))
        if isinstance(raw, RecordType):
            return RecordType(raw.name, tuple(Field(f.name, r(scope, f.type)) for f in raw.fields))
        if isinstance(raw, VariantType):
            return VariantType(
                raw.name,
                tuple(Case(c.name, None if c.type is None else r(scope, c.type))
                      for c in raw.cases),
            )
        if isinstance(raw, (OwnType, BorrowType)):
            ref = raw.resource
            target = (
                None if ref.name in PRIMITIVES
                else self._lookup(scope, ref.name, _Name(ref.name, ref.line, ref.column))
            )
            if not isinstance(target, ResourceType):
                kind = "own" if isinstance(raw, OwnType) else "borrow"
                raise WitError(f'{kind}<{ref.name}>: "{ref.name}" is not a resource',
                               ref.line, ref.column)  # type: ignore[union-attr]
            return OwnType(target) if isinstance(raw, OwnType) else BorrowType(target)
        return raw  # EnumType, FlagsType, ResourceType: no children

    def _resolve_func(self, scope: _Scope, raw: tuple) -> FuncType:
        name, params, results, docs = raw
        return FuncType(
            name,
            tuple(Param(n.text, self._resolve(scope, t)) for n, t in params),
            tuple(self._resolve(scope, t) for t in results),
            docs,
        )
