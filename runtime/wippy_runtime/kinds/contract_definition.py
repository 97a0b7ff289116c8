"""`contract.definition`: a named interface, a list of methods that bindings implement.

Wippy's definition is data only: each method has a `name`, an optional `description` and
optional `input_schemas` / `output_schemas` (lists of `{format, definition}`), which the
`contract` Lua module hands back unchanged for introspection. Nothing here runs: calls go to
the functions a `contract.binding` maps the methods to. Method names must be non-empty and
unique, as a binding and `contract:method(name)` look them up by name; a definition with no
methods is accepted (Wippy accepts it; such a contract has nothing to call).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import ValidationError
from ..registry import Entry
from .base import BuildContext, EntryInfo, Resource, warn_unknown_fields

_KNOWN = {"methods"}
_METHOD_FIELDS = {"name", "description", "input_schemas", "output_schemas"}


@dataclass(frozen=True)
class MethodDef:
    """One method of a contract, as introspection shows it."""

    name: str
    description: str = ""
    input_schemas: list[dict[str, Any]] = field(default_factory=list)
    output_schemas: list[dict[str, Any]] = field(default_factory=list)

    def as_plain(self) -> dict[str, Any]:
        """The table `contract:methods()` gives for this method (schemas only when set)."""
        out: dict[str, Any] = {"name": self.name, "description": self.description}
        if self.input_schemas:
            out["input_schemas"] = [dict(s) for s in self.input_schemas]
        if self.output_schemas:
            out["output_schemas"] = [dict(s) for s in self.output_schemas]
        return out


class ContractDefinition(Resource):
    kind = "contract.definition"

    def __init__(self, entry: Entry, methods: list[MethodDef]) -> None:
        super().__init__(entry)
        self.methods = methods
        self.by_name = {m.name: m for m in methods}

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry.id, self.kind,
                         detail={"methods": [m.name for m in self.methods]})


def _schemas(entry: Entry, where: str, value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise entry.error(ValidationError, f"{where} must be a list of {{format, definition}}",
                          "methods")
    out = []
    for i, schema in enumerate(value):
        if not isinstance(schema, dict) or not isinstance(schema.get("format", ""), str):
            raise entry.error(ValidationError, f"{where}[{i}] must be a mapping with a string "
                              "`format` and a `definition`", "methods")
        out.append({"format": schema.get("format", ""), "definition": schema.get("definition")})
    return out


def parse_methods(entry: Entry, warn: Callable[[str], None] | None) -> list[MethodDef]:
    raw = entry.data.get("methods")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise entry.error(ValidationError, "methods must be a list of {name, description}",
                          "methods")
    methods: list[MethodDef] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"methods[{i}]"
        if not isinstance(item, dict):
            raise entry.error(ValidationError, f"{where} must be a mapping with a `name`",
                              "methods")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise entry.error(ValidationError, f"{where}.name must be a non-empty string",
                              "methods")
        if name in seen:
            raise entry.error(ValidationError, f"{where}: method {name!r} is defined twice",
                              "methods")
        seen.add(name)
        description = item.get("description", "")
        if description is None:
            description = ""
        if not isinstance(description, str):
            raise entry.error(ValidationError, f"{where}.description must be a string",
                              "methods")
        unknown = sorted(set(item) - _METHOD_FIELDS)
        if unknown and warn is not None:
            warn(str(entry.error(ValidationError, f"{where}: unknown field(s) "
                                 f"{', '.join(unknown)} (ignored)", "methods")))
        methods.append(MethodDef(name, description,
                                 _schemas(entry, f"{where}.input_schemas",
                                          item.get("input_schemas")),
                                 _schemas(entry, f"{where}.output_schemas",
                                          item.get("output_schemas"))))
    return methods


def build_contract_definition(entry: Entry, ctx: BuildContext) -> ContractDefinition:
    warn_unknown_fields(entry, _KNOWN, ctx.runtime)
    warn = getattr(ctx.runtime, "warn", None)
    return ContractDefinition(entry, parse_methods(entry, warn))
