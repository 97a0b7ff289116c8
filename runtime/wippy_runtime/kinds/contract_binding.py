"""`contract.binding`: which functions implement the methods of one or more contracts.

```yaml
- name: greeter_impl
  kind: contract.binding
  contracts:
    - contract: app:greeter          # a contract.definition
      default: true                  # contract:open() with no binding id opens this one
      context_required: [tenant]     # keys the caller's scope or context must carry
      methods:
        greet: app:greeter_greet     # method name -> the function that runs it
```

The contract and every function are resolved when the binding is built, so a typo is a load
error naming the binding and its line, and replacing one of them rebuilds the binding. The
functions are *called* by id through the call pipeline, so a call always reaches the entry's
current generation. Wippy accepts a binding that leaves a contract method unbound or maps a
name the contract does not have; so does this one, with a load warning: calling an unbound
method returns a NotFound error naming the binding, and a name the contract lacks is not a
method of the opened instance. When several bindings declare `default: true` for the same
contract, the one built last wins, as Wippy's registry keeps the last registration.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from ..errors import ValidationError
from ..registry import Entry
from .base import BuildContext, EntryInfo, Resource, Target, warn_unknown_fields
from .contract_definition import ContractDefinition

_KNOWN = {"contracts"}
_BOUND_FIELDS = {"contract", "default", "methods", "context_required"}
#: build order of bindings: the latest `default: true` for a contract wins
_ORDER = itertools.count(1)


@dataclass(frozen=True)
class BoundContract:
    """One contract of a binding: its definition and the function id of each method."""

    contract: ContractDefinition
    methods: dict[str, str]
    context_required: tuple[str, ...] = ()
    default: bool = False

    @property
    def contract_id(self) -> str:
        return self.contract.entry.id


class ContractBinding(Resource):
    kind = "contract.binding"

    def __init__(self, entry: Entry, contracts: list[BoundContract]) -> None:
        super().__init__(entry)
        self.contracts = contracts
        self.order = next(_ORDER)

    def bound(self, contract_id: str) -> BoundContract | None:
        for bc in self.contracts:
            if bc.contract_id == contract_id:
                return bc
        return None

    def function_for(self, method: str) -> tuple[BoundContract, str] | None:
        """The bound contract and function id serving `method` (the first contract that
        binds it, in the binding's order, as Wippy looks it up)."""
        for bc in self.contracts:
            fn = bc.methods.get(method)
            if fn is not None:
                return bc, fn
        return None

    def has_method(self, method: str) -> bool:
        """Is `method` a method of one of the contracts this binding implements?"""
        return any(method in bc.contract.by_name for bc in self.contracts)

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry.id, self.kind, detail={
            "contracts": [{"contract": bc.contract_id, "default": bc.default,
                           "methods": dict(bc.methods)} for bc in self.contracts]})


def _bound(entry: Entry, ctx: BuildContext, i: int, item: Any) -> BoundContract:
    where = f"contracts[{i}]"
    if not isinstance(item, dict):
        raise entry.error(ValidationError, f"{where} must be a mapping with `contract` and "
                          "`methods`", "contracts")
    ref = item.get("contract")
    if not isinstance(ref, str) or not ref:
        raise entry.error(ValidationError, f"{where}.contract must be a contract id "
                          "\"namespace:name\"", "contracts")
    definition = ctx.resolve(entry, ref, "contract.definition")
    default = item.get("default", False)
    if not isinstance(default, bool):
        raise entry.error(ValidationError, f"{where}.default must be true or false",
                          "contracts")
    required = item.get("context_required") or []
    if not isinstance(required, list) or not all(isinstance(k, str) and k for k in required):
        raise entry.error(ValidationError, f"{where}.context_required must be a list of "
                          "context key names", "contracts")
    raw = item.get("methods") or {}
    if not isinstance(raw, dict):
        raise entry.error(ValidationError, f"{where}.methods must map method names to "
                          "function ids", "contracts")
    methods: dict[str, str] = {}
    for name, fn_ref in raw.items():
        if not isinstance(fn_ref, str) or not fn_ref:
            raise entry.error(ValidationError, f"{where}.methods.{name} must be a function id "
                              "\"namespace:name\"", "contracts")
        target = ctx.resolve(entry, fn_ref)
        if not isinstance(target, Target):
            raise entry.error(ValidationError, f"{where}.methods.{name}: {target.entry.id} is "
                              f"a {target.entry.kind}, not a function", "contracts")
        methods[str(name)] = target.entry_id
    warn = getattr(ctx.runtime, "warn", None)
    if warn is not None:
        extra = sorted(set(methods) - set(definition.by_name))
        if extra:
            warn(str(entry.error(ValidationError, f"{where}.methods: {', '.join(extra)} "
                                 f"not in contract {definition.entry.id} (ignored)",
                                 "contracts")))
        unbound = [m.name for m in definition.methods if m.name not in methods]
        if unbound:
            warn(str(entry.error(ValidationError, f"{where}: method(s) {', '.join(unbound)} of "
                                 f"{definition.entry.id} are not bound (calls fail with "
                                 "NotFound)", "contracts")))
        unknown = sorted(set(item) - _BOUND_FIELDS)
        if unknown:
            warn(str(entry.error(ValidationError, f"{where}: unknown field(s) "
                                 f"{', '.join(unknown)} (ignored)", "contracts")))
    return BoundContract(definition, methods, tuple(required), default)


def build_contract_binding(entry: Entry, ctx: BuildContext) -> ContractBinding:
    warn_unknown_fields(entry, _KNOWN, ctx.runtime)
    raw = entry.data.get("contracts")
    if not isinstance(raw, list) or not raw:
        raise entry.error(ValidationError, "contracts must be a non-empty list of "
                          "{contract, methods}", "contracts")
    contracts: list[BoundContract] = []
    for i, item in enumerate(raw):
        bc = _bound(entry, ctx, i, item)
        if any(c.contract_id == bc.contract_id for c in contracts):
            raise entry.error(ValidationError, f"contracts[{i}]: contract {bc.contract_id} is "
                              "bound twice", "contracts")
        contracts.append(bc)
    return ContractBinding(entry, contracts)
