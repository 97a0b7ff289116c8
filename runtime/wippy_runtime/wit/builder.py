"""The parser's first pass: walk lark's tree into scopes of raw definitions.

Each interface, world and the top level get a `Scope`; type definitions are recorded raw
(references stay `Ref`s) and functions are queued, so that `scopes.Resolver` can resolve
everything at the end, when every name is known. Duplicate names are reported here, with
their line and column; resource methods become functions named as the component model
names them (`[method]blob.read`).
"""

from __future__ import annotations

from typing import Any, cast

from lark import Token, Tree

from .document import Interface, WitDocument, World
from .errors import WitError
from .scopes import Def, Name, Ref, Resolver, Scope
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
    RecordType,
    ResourceType,
    ResultType,
    TupleType,
    VariantType,
    WitType,
)

__all__ = ["Builder"]


class Builder:
    """Walks the lark tree, collects scopes, then resolves every name."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.doc = WitDocument()
        self.top = Scope("top level")
        self.iface_scopes: dict[str, Scope] = {}
        # (scope, raw function, sink dict, key) collected then resolved at the end
        self.pending_funcs: list[tuple[Scope, tuple, dict[str, FuncType], str]] = []
        self.pending_iface_refs: list[tuple[World, str, str, str, Name]] = []
        # every scope whose type definitions are published, with the dict they go to
        self.type_sinks: list[tuple[Scope, dict[str, WitType]]] = [(self.top, self.doc.types)]

    # ---- entry point ----
    def build(self, tree: Tree) -> WitDocument:
        for item in tree.children:
            self._top_item(item)
        # Interfaces may be referenced by `use` / `export iface;` before they are defined.
        for world, direction, key, path, _pos in self.pending_iface_refs:
            target = world.exports if direction == "export" else world.imports
            iface = self._local_interface(path)
            target[key] = iface if iface is not None else path
        resolver = Resolver(self._iface_scope)
        for scope, raw, sink, key in self.pending_funcs:
            sink[key] = resolver.resolve_func(scope, raw)
        for scope, types in self.type_sinks:
            for name, d in scope.defs.items():
                types[name] = resolver.resolve_name(scope, name, d.name)
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
            scope = Scope(f'interface "{name.text}"', parent=self.top)
            self.iface_scopes[name.text] = scope
            self._iface_items(scope, iface, item.children[1:])
        elif kind == "world_def":
            self._world(item)
        else:
            for key, raw in self._typedef(self.top, item):
                self._add_func(self.top, raw, self.doc.functions, key)

    def _add_func(self, scope: Scope, raw: tuple, sink: dict, key: str) -> None:
        """Reserve `key` in `sink` (keeping declaration order) and resolve it at the end."""
        sink[key] = None
        self.pending_funcs.append((scope, raw, sink, key))

    # ---- helpers for names and docs ----
    def _name(self, node: Tree) -> Name:
        tok = _token(node.children[0])
        text = tok.value[1:] if tok.value.startswith("%") else tok.value
        return Name(text, tok.line or 0, tok.column or 0)

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

    def _declare(self, scope: Scope, name: Name) -> None:
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

    def _path_pos(self, node: Tree) -> Name:
        return self._name(node.children[0])

    def _iface_scope(self, path: str) -> Scope | None:
        iface = self._local_interface(path)
        return None if iface is None else self.iface_scopes.get(iface.name)

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
    def _typedef(self, scope: Scope, item: Tree) -> list[tuple[str, tuple]]:
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
            scope.defs[name.text] = Def(name, self._type(item.children[1]), docs, alias=True)
            return extra
        elif kind in ("resource_plain", "resource_body"):
            raw = ResourceType(name.text)
            if kind == "resource_body":
                extra = self._resource_items(name, item.children[1:])
        else:  # pragma: no cover - grammar and builder out of sync
            raise WitError(f"unsupported item {kind}", name.line, name.column)
        scope.defs[name.text] = Def(name, raw, docs)
        return extra

    def _unique(self, seen: set[str], name: Name, what: str) -> None:
        if name.text in seen:
            raise WitError(f'duplicate {what}: "{name.text}"', name.line, name.column)
        seen.add(name.text)

    def _resource_items(self, res: Name, items: list[Tree]) -> list[tuple[str, tuple]]:
        """Resource methods become functions named as the component model names them."""
        out: list[tuple[str, tuple]] = []
        ref = Ref(res.text, res.line, res.column)
        for it in items:
            if it.data == "res_constructor":
                params = self._params(it.children[0])
                key = f"[constructor]{res.text}"
                out.append((key, (key, params, [_raw_handle(OwnType, ref)],
                                  self._docs(it.meta.line))))
            else:
                mname = self._name(it.children[0])
                _, params, results, _ = self._functype(mname.text, it.children[1])
                if it.data == "res_method":
                    key = f"[method]{res.text}.{mname.text}"
                    params = [(Name("self", mname.line, mname.column),
                               _raw_handle(BorrowType, ref))] + params
                else:
                    key = f"[static]{res.text}.{mname.text}"
                out.append((key, (key, params, results, self._docs(mname.line))))
        return out

    # ---- types (raw: named references stay as Ref until resolution) ----
    def _type(self, node: Tree) -> Any:
        kind = node.data
        ch = node.children
        if kind == "prim":
            return PRIMITIVES[_token(ch[0]).value]
        if kind == "ref_t":
            n = self._name(ch[0])
            return Ref(n.text, n.line, n.column)
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
            ref = Ref(n.text, n.line, n.column)
            return _raw_handle(OwnType if kind == "own_t" else BorrowType, ref)
        raise AssertionError(kind)  # pragma: no cover

    def _params(self, node: Tree | None) -> list[tuple[Name, Any]]:
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
    def _iface_items(self, scope: Scope, iface: Interface, items: list[Tree]) -> None:
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
        scope = Scope(f'world "{name.text}"', parent=self.top)
        self.type_sinks.append((scope, world.types))
        seen: set[str] = set()
        for it in item.children[1:]:
            kind = it.data
            if kind in ("world_func", "world_inline_iface", "world_iface_ref"):
                direction = _token(it.children[0].children[0]).value
                target = world.exports if direction == "export" else world.imports
                if kind == "world_iface_ref":
                    path = self._path(it.children[1])
                    pos = self._path_pos(it.children[1])
                    key = path
                    self._unique(seen, Name(f"{direction} {key}", pos.line, pos.column),
                                 f'{direction} in world "{name.text}"')
                    target[key] = path
                    self.pending_iface_refs.append((world, direction, key, path, pos))
                    continue
                n = self._name(it.children[1])
                self._unique(seen, Name(f"{direction} {n.text}", n.line, n.column),
                             f'{direction} in world "{name.text}"')
                if kind == "world_func":
                    raw = self._functype(n.text, it.children[2])[:3] + (self._docs(n.line),)
                    self._add_func(scope, raw, target, n.text)
                else:
                    iface = Interface(n.text, docs=self._docs(n.line))
                    iscope = Scope(f'interface "{n.text}"', parent=self.top)
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

    def _use(self, scope: Scope, item: Tree) -> None:
        path_node = item.children[0]
        path = self._path(path_node)
        for un in item.children[1:]:
            orig = self._name(un.children[0])
            alias = self._name(un.children[1]) if un.children[1] is not None else orig
            self._declare(scope, alias)
            scope.uses[alias.text] = (path, orig.text, alias)

    # ---- resolution ----


def _token(node: Token | Tree) -> Token:
    """A child the grammar makes a token (lark types children as either)."""
    assert isinstance(node, Token), node
    return node


def _raw_handle(kind: type[OwnType] | type[BorrowType], ref: Ref) -> OwnType | BorrowType:
    """`own<name>` / `borrow<name>` before resolution: the handle holds the `Ref` where the
    resolved type holds its `ResourceType` (resolution replaces it, see `scopes`)."""
    return kind(cast(ResourceType, ref))
