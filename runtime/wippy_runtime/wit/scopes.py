"""Name resolution of the parser's second pass: scopes of raw definitions -> types.

The tree walk (`builder`) records each definition *raw*: named references stay `Ref`s, so
definitions may come after their use. Resolution then replaces every `Ref` by the type it
names, looking through enclosing scopes and `use` imports, and reports unknown and cyclic
names with their line and column. A resource named in a type position becomes `own<...>`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import WitError
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
from .visitor import TypeVisitor

__all__ = ["Name", "Ref", "Def", "Scope", "Resolver"]


@dataclass(frozen=True)
class Name:
    text: str
    line: int
    column: int


@dataclass(frozen=True)
class Ref(WitType):
    """An unresolved reference to a named type (only exists between the two passes)."""

    name: str
    line: int
    column: int


@dataclass
class Def:
    name: Name
    raw: Any  # a raw type (children may be Ref) or ResourceType
    docs: str | None
    alias: bool = False


@dataclass
class Scope:
    """Type names visible to the functions of one interface, world or the top level."""

    label: str
    defs: dict[str, Def] = field(default_factory=dict)
    uses: dict[str, tuple[Any, str, Name]] = field(default_factory=dict)
    parent: Scope | None = None
    resolved: dict[str, WitType] = field(default_factory=dict)
    resolving: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)


class Resolver:
    """Resolves names in scopes; `iface_scope(path)` finds the scope of a `use`d interface
    of this document (None when the document does not define it)."""

    def __init__(self, iface_scope: Callable[[str], Scope | None]) -> None:
        self.iface_scope = iface_scope

    def lookup(self, scope: Scope, name: str, pos: Name) -> WitType:
        s: Scope | None = scope
        while s is not None:
            if name in s.defs:
                return self.resolve_name(s, name, pos)
            if name in s.uses:
                path, orig, _ = s.uses[name]
                target = self.iface_scope(path)
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
                return self.lookup(target, orig, pos)
            s = s.parent
        raise WitError(f'unknown type "{name}"', pos.line, pos.column)

    def resolve_name(self, scope: Scope, name: str, pos: Name) -> WitType:
        if name in scope.resolved:
            return scope.resolved[name]
        d = scope.defs[name]
        if name in scope.resolving:
            raise WitError(f'type "{name}" refers to itself', d.name.line, d.name.column)
        scope.resolving.add(name)
        try:
            t = self.resolve(scope, d.raw)
        finally:
            scope.resolving.discard(name)
        scope.resolved[name] = t
        return t

    def resolve(self, scope: Scope, raw: Any) -> Any:
        """A raw type (with `Ref`s inside) as a resolved type; None stays None."""
        if raw is None:
            return None
        return _ResolveIn(self, scope).visit(raw)

    def resolve_func(self, scope: Scope, raw: tuple) -> FuncType:
        name, params, results, docs = raw
        return FuncType(
            name,
            tuple(Param(n.text, self.resolve(scope, t)) for n, t in params),
            tuple(self.resolve(scope, t) for t in results),
            docs,
        )


class _ResolveIn(TypeVisitor[WitType]):
    """One raw type resolved in one scope (children are resolved recursively)."""

    __slots__ = ("resolver", "scope")

    def __init__(self, resolver: Resolver, scope: Scope) -> None:
        self.resolver = resolver
        self.scope = scope

    def _opt(self, raw: WitType | None) -> WitType | None:
        return None if raw is None else self.visit(raw)

    def visit_other(self, t: WitType) -> WitType:
        if not isinstance(t, Ref):
            raise self._unsupported(t)
        found = self.resolver.lookup(self.scope, t.name, Name(t.name, t.line, t.column))
        # A resource named in a type position is an owned handle.
        return OwnType(found) if isinstance(found, ResourceType) else found

    def visit_primitive(self, t: Primitive) -> WitType:
        return t

    def visit_list(self, t: ListType) -> WitType:
        return ListType(self.visit(t.element))

    def visit_option(self, t: OptionType) -> WitType:
        return OptionType(self.visit(t.inner))

    def visit_result(self, t: ResultType) -> WitType:
        return ResultType(self._opt(t.ok), self._opt(t.err))

    def visit_tuple(self, t: TupleType) -> WitType:
        return TupleType(tuple(self.visit(e) for e in t.elements))

    def visit_record(self, t: RecordType) -> WitType:
        return RecordType(t.name, tuple(Field(f.name, self.visit(f.type)) for f in t.fields))

    def visit_variant(self, t: VariantType) -> WitType:
        return VariantType(t.name, tuple(Case(c.name, self._opt(c.type)) for c in t.cases))

    def visit_handle(self, t: OwnType | BorrowType) -> WitType:
        ref: Any = t.resource  # a Ref until resolved
        target = (
            None if ref.name in PRIMITIVES
            else self.resolver.lookup(self.scope, ref.name, Name(ref.name, ref.line, ref.column))
        )
        own = isinstance(t, OwnType)
        if not isinstance(target, ResourceType):
            kind = "own" if own else "borrow"
            raise WitError(f'{kind}<{ref.name}>: "{ref.name}" is not a resource',
                           ref.line, ref.column)
        return OwnType(target) if own else BorrowType(target)

    # no children to resolve
    def visit_enum(self, t: EnumType) -> WitType:
        return t

    def visit_flags(self, t: FlagsType) -> WitType:
        return t

    def visit_resource(self, t: ResourceType) -> WitType:
        return t
