"""`env.variable`: a named value other entries read (WASI `env`, the Lua `env` module).

Wippy's fields: `variable` (the public name, letters, digits and `_`; also the key looked up in
the storage), `storage` (an `env.storage.*` entry), `default` (used when the storage has no
value, or an empty one) and `read_only` (Wippy also accepts `readonly`).

Without `storage:` the value comes from the process environment (what `env.storage.os` does).
A notebook has no `.env` file, so `value:` (a kernel extension) gives a fixed value instead,
like a static storage holding one key. The value is read on every `value()` call, not at load,
so a change in the storage is seen by the next reader.
"""

from __future__ import annotations

import os
import re
from typing import Any

from ..errors import PERMISSION_DENIED, ValidationError
from ..registry import Entry
from .base import BuildContext, EntryInfo, Resource, warn_unknown_fields
from .env_storage import EnvError, EnvStorage

_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_FIELDS = {"variable", "storage", "default", "read_only", "readonly", "value"}


class EnvVariable(Resource):
    kind = "env.variable"

    def __init__(self, entry: Entry, variable: str | None, storage: EnvStorage | None,
                 default: str | None, value: str | None, read_only: bool) -> None:
        super().__init__(entry)
        self.variable = variable
        self.storage_entry = storage
        self.storage = storage.entry.id if storage is not None else None
        self.default = default
        self.fixed = value
        self.read_only = read_only

    @property
    def key(self) -> str:
        """The name looked up in the storage: `variable`, else (OS lookups) the entry's name,
        else (a storage entry's key, Wippy's rule) the entry's full id."""
        if self.variable:
            return self.variable
        return self.entry.id if self.storage_entry is not None else self.entry.name

    @property
    def public_name(self) -> str:
        """The name `env.get` finds this variable by: `variable`, else the entry id."""
        return self.variable or self.entry.id

    def value(self) -> str | None:
        """The current value: `value:`, else the storage's (the OS's without one) unless
        empty, else `default:`, else None."""
        if self.fixed is not None:
            return self.fixed
        if self.storage_entry is not None:
            found = self.storage_entry.get(self.key)
        else:
            found = os.environ.get(self.key)
        if found:
            return found
        return self.default

    def set_value(self, value: str) -> None:
        """Write through to the storage; EnvError(PERMISSION_DENIED) when read-only."""
        if self.read_only:
            raise EnvError("environment variable is read-only", entry=self.entry.id,
                           kind=PERMISSION_DENIED)
        if self.storage_entry is None:
            raise EnvError("storage is read-only (the variable reads the process "
                           "environment; give it an env.storage.memory or .file storage)",
                           entry=self.entry.id, kind=PERMISSION_DENIED)
        self.storage_entry.set(self.key, value)

    def describe_source(self) -> str:
        """Where the value would come from, for 'has no value' errors."""
        if self.fixed is not None:
            return "its value field"
        where = (f"{self.key} in storage {self.storage}" if self.storage is not None
                 else f"OS variable {self.key}")
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
    storage_ref = _text(entry, "storage")
    storage: EnvStorage | None = None
    if storage_ref:
        built = ctx.resolve(entry, storage_ref)
        if not isinstance(built, EnvStorage):
            raise entry.error(ValidationError, f"storage {built.entry.id} is a "
                              f"{built.entry.kind}, expected an env.storage.* entry", "storage")
        storage = built
    read_only = entry.data.get("read_only", entry.data.get("readonly", False))
    if not isinstance(read_only, bool):
        raise entry.error(ValidationError, "read_only must be true or false", "read_only")
    return EnvVariable(entry, variable, storage, _text(entry, "default"),
                       _text(entry, "value"), read_only)
