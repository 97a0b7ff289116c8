"""What parsing a WIT text yields: a document of interfaces, worlds and top-level items,
every type already resolved (no names left to look up).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .types import FuncType, WitType

__all__ = ["WitDocument", "Interface", "World"]


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
