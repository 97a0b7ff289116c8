"""The actor: who an execution runs as."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any


class Actor:
    """An identity (`id`) with attributes (`meta`) that policy conditions read.

    Immutable: an actor is shared by every nested call that inherits it, so no callee can
    change who its caller is.
    """

    __slots__ = ("_id", "_meta")
    _id: str
    _meta: Mapping[str, Any]

    def __init__(self, actor_id: str, meta: Mapping[str, Any] | None = None) -> None:
        if not isinstance(actor_id, str):
            raise TypeError(f"actor id must be a string, got {type(actor_id).__name__}")
        object.__setattr__(self, "_id", actor_id)
        object.__setattr__(self, "_meta", MappingProxyType(dict(meta or {})))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Actor is immutable")

    @property
    def id(self) -> str:
        return self._id

    @property
    def meta(self) -> Mapping[str, Any]:
        return self._meta

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Actor) and other._id == self._id
                and dict(other._meta) == dict(self._meta))

    def __hash__(self) -> int:
        return hash(self._id)

    def __repr__(self) -> str:
        return f"Actor({self._id!r}, {dict(self._meta)!r})"
