"""Entry IDs: `namespace:name` with exactly one colon."""

from __future__ import annotations

import re

from ..errors import INVALID, WippyError

_NAMESPACE = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*(\.[A-Za-z_][A-Za-z0-9_\-]*)*$")
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")


class InvalidIdError(WippyError):
    kind = INVALID


def parse_id(entry_id: str) -> tuple[str, str]:
    """Split `ns:name`; raise InvalidIdError naming what is wrong."""
    if not isinstance(entry_id, str) or not entry_id:
        raise InvalidIdError("entry id must be a non-empty string \"namespace:name\"")
    if entry_id.count(":") != 1:
        raise InvalidIdError(f"invalid entry id {entry_id!r}: expected \"namespace:name\" with one colon")
    ns, name = entry_id.split(":")
    if not ns:
        raise InvalidIdError(f"invalid entry id {entry_id!r}: missing namespace")
    if not name:
        raise InvalidIdError(f"invalid entry id {entry_id!r}: missing name")
    if not _NAMESPACE.match(ns):
        raise InvalidIdError(f"invalid namespace {ns!r} in {entry_id!r}")
    if not _NAME.match(name):
        raise InvalidIdError(f"invalid name {name!r} in {entry_id!r}")
    return ns, name


def resolve_ref(ref: str, namespace: str) -> str:
    """A reference is a full ID or a bare name resolved in the referring entry's namespace."""
    if ":" in ref:
        parse_id(ref)
        return ref
    return f"{namespace}:{ref}"
