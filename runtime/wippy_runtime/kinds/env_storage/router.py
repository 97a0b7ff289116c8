"""`env.storage.router`: several storages as one. Reads take the first that has the key,
writes go to the first, `list()` merges them (earlier storages win)."""

from __future__ import annotations

from ...errors import ValidationError
from ...registry import Entry
from ..base import BuildContext
from . import EnvStorage


class RouterStorage(EnvStorage):
    def __init__(self, entry: Entry, storages: list[EnvStorage]) -> None:
        super().__init__(entry)
        self.storages = storages
        self.read_only = storages[0].read_only

    def get(self, key: str) -> str | None:
        for storage in self.storages:
            value = storage.get(key)
            if value is not None:
                return value
        return None

    def set(self, key: str, value: str) -> None:
        self.storages[0].set(key, value)

    def delete(self, key: str) -> None:
        self.storages[0].delete(key)

    def list(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for storage in reversed(self.storages):
            out.update(storage.list())
        return out


def build_router_storage(entry: Entry, ctx: BuildContext) -> RouterStorage:
    refs = entry.data.get("storages")
    if not isinstance(refs, list) or not refs:
        raise entry.error(ValidationError, "router storage must have at least one storage",
                          "storages")
    storages: list[EnvStorage] = []
    for ref in refs:
        built = ctx.resolve(entry, str(ref))
        if not isinstance(built, EnvStorage):
            raise entry.error(ValidationError, f"storages: {built.entry.id} is a "
                              f"{built.entry.kind}, expected an env.storage.* entry",
                              "storages")
        storages.append(built)
    return RouterStorage(entry, storages)
