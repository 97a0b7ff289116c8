"""`env.storage.*` entries: where `env.variable` values live (one module per storage kind).

Every storage answers `get(key)` (None when it has no value), `set(key, value)`, `delete(key)`
and `list()`. Storages that cannot be written (the OS environment, a static map) raise
`EnvError` with kind PERMISSION_DENIED, as Wippy's do.
"""

from __future__ import annotations

from typing import Any

from ...errors import PERMISSION_DENIED, WippyError
from ...registry import Entry
from ..base import EntryInfo, Resource


class EnvError(WippyError):
    """A storage or variable refused an operation; `kind` is Wippy's error kind."""


class EnvStorage(Resource):
    """Base of the storage kinds."""

    read_only = False

    def __init__(self, entry: Entry) -> None:
        super().__init__(entry)
        self.kind = entry.kind

    def get(self, key: str) -> str | None:
        raise NotImplementedError

    def set(self, key: str, value: str) -> None:
        raise EnvError("storage is read-only", entry=self.entry.id, kind=PERMISSION_DENIED)

    def delete(self, key: str) -> None:
        raise EnvError("storage is read-only", entry=self.entry.id, kind=PERMISSION_DENIED)

    def list(self) -> dict[str, str]:
        raise NotImplementedError

    def info(self) -> EntryInfo:
        detail: dict[str, Any] = {"read_only": self.read_only}
        return EntryInfo(self.entry.id, self.entry.kind, detail=detail)


from .file import build_file_storage  # noqa: E402
from .memory import build_memory_storage  # noqa: E402
from .os_env import build_os_storage  # noqa: E402
from .router import build_router_storage  # noqa: E402
from .static import build_static_storage  # noqa: E402

BUILDERS = {
    "env.storage.memory": build_memory_storage,
    "env.storage.os": build_os_storage,
    "env.storage.static": build_static_storage,
    "env.storage.file": build_file_storage,
    "env.storage.router": build_router_storage,
}

__all__ = ["BUILDERS", "EnvError", "EnvStorage"]
