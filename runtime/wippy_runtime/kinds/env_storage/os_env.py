"""`env.storage.os`: the process environment, read-only (as in Wippy)."""

from __future__ import annotations

import os

from ...registry import Entry
from ..base import BuildContext
from . import EnvStorage


class OSStorage(EnvStorage):
    read_only = True

    def get(self, key: str) -> str | None:
        return os.environ.get(key)

    def list(self) -> dict[str, str]:
        return dict(os.environ)


def build_os_storage(entry: Entry, ctx: BuildContext) -> OSStorage:
    return OSStorage(entry)
