"""`env.storage.static`: a fixed `values:` map from the definition, read-only."""

from __future__ import annotations

from ...errors import ValidationError
from ...registry import Entry
from ..base import BuildContext
from . import EnvStorage


class StaticStorage(EnvStorage):
    read_only = True

    def __init__(self, entry: Entry, values: dict[str, str]) -> None:
        super().__init__(entry)
        self._values = values

    def get(self, key: str) -> str | None:
        return self._values.get(key)

    def list(self) -> dict[str, str]:
        return dict(self._values)


def build_static_storage(entry: Entry, ctx: BuildContext) -> StaticStorage:
    values = entry.data.get("values") or {}
    if not isinstance(values, dict):
        raise entry.error(ValidationError, "values must map names to strings", "values")
    out: dict[str, str] = {}
    for key, value in values.items():
        if isinstance(value, (dict, list)) or value is None:
            raise entry.error(ValidationError, f"values.{key} must be a string", "values")
        out[str(key)] = str(value).lower() if isinstance(value, bool) else str(value)
    return StaticStorage(entry, out)
