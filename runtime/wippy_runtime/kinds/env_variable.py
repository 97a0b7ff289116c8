"""`env.variable`: a named value other entries read (WASI `env`, later Lua `env`).

Wippy's fields (DOCS `system/env.md`): `variable` (the public name, letters, digits and `_`;
also the key looked up in the storage), `storage` (an `env.storage.*` entry), `default` (used
when the storage has no value) and `read_only` (Wippy also accepts `readonly`).

wippy-kernel has no env storages of its own: every storage kind is accepted as a reference,
and lookups go to the process environment (what `env.storage.os` does in Wippy). A notebook
has no `.env` file, so `value:` (a kernel extension) gives a fixed value instead, like a
memory storage holding one key. The value is read on every `value()` call, not at load, so a
variable set in the OS after loading is seen by the next WASM instance that asks.
"""

from __future__ import annotations

import os
import re
from typing import Any

from ..errors import ValidationError
from ..registry import Entry
from .base import BuildContext, EntryInfo, Resource, warn_unknown_fields

_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_FIELDS = {"variable", "storage", "default", "read_only", "readonly", "value"}


class EnvVariable(Resource):
    kind = "env.variable"

    def __init__(self, entry: Entry, variable: str | None, storage: str | None,
                 default: str | None, value: str | None, read_only: bool) -> None:
        super().__init__(entry)
        self.variable = variable
        self.storage = storage
        self.default = default
        self.fixed = value
        self.read_only = read_only

    @property
    def key(self) -> str:
        """The name looked up in the storage: `variable`, else the entry's name."""
        return self.variable or self.entry.name

    def value(self) -> str | None:
        """The current value: `value:`, else the OS variable, else `default:`, else None."""
        if self.fixed is not None:
            return self.fixed
        found = os.environ.get(self.key)
        if found is not None:
            return found
        return self.default

    def describe_source(self) -> str:
        """Where the value would come from, for 'has no value' errors."""
        if self.fixed is not None:
            return "its value field"
        where = f"OS variable {self.key}"
        return f"{where} is not set and there is no default"

    def info(self) -> EntryInfo:
        detail: dict[str, Any] = {"variable": self.key, "read_only": self.read_only,
                                  "set": self.value() is not None}
        if self.storage:
            detail["storage"] = self.storage
        return EntryInfo(self.entry.id, self.kind, detail=detail)


def _text(entry: Entry, name: str) -> str | None:
    value = entry.data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise entry.error(ValidationError, f"{name} must be a string", name)
    return str(value)


def build_env_variable(entry: Entry, ctx: BuildContext) -> EnvVariable:
    warn_unknown_fields(entry, _FIELDS, ctx.runtime)
    variable = _text(entry, "variable")
    if variable is not None and not _NAME.match(variable):
        raise entry.error(ValidationError, f"invalid variable name {variable!r}: only a-z, A-Z, "
                          "0-9 and _ are allowed", "variable")
    storage = _text(entry, "storage")
    if storage:
        built = ctx.resolve(entry, storage)
        if not built.entry.kind.startswith("env.storage."):
            raise entry.error(ValidationError, f"storage {built.entry.id} is a "
                              f"{built.entry.kind}, expected an env.storage.* entry", "storage")
        storage = built.entry.id
    read_only = entry.data.get("read_only", entry.data.get("readonly", False))
    if not isinstance(read_only, bool):
        raise entry.error(ValidationError, "read_only must be true or false", "read_only")
    return EnvVariable(entry, variable, storage or None, _text(entry, "default"),
                       _text(entry, "value"), read_only)
