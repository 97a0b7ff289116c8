"""The fields of `function.wat`, `function.wasm` and `process.wasm`.

Validation follows Wippy's `Validate()` rules and wording so that a definition Wippy rejects is
rejected here with the same message, plus the entry, file and line.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import ValidationError
from ..registry import Entry
from ..scheduler.pool_config import PoolConfig, PoolConfigError
from .base import warn_unknown_fields

TRANSPORTS = ("", "payload", "wasi-http")
_HASH = re.compile(r"^([A-Za-z0-9_-]+):([0-9a-fA-F]+)$")
_KNOWN_FIELDS = {"source", "fs", "path", "hash", "method", "transport", "wit", "wasi", "imports",
                 "pool", "limits", "options", "lifecycle"}


#: defaults: a 256 MiB hard cap per instance; recycle instances holding more than 64 MiB
DEFAULT_MAX_MEMORY_BYTES = 256 * 1024 * 1024
DEFAULT_MAX_RETAINED_MEMORY_BYTES = 64 * 1024 * 1024
#: elements a store's tables may hold (8 bytes each: 10M elements = 80 MB)
MAX_TABLE_ELEMENTS = 10_000_000


@dataclass(frozen=True)
class WasmConfig:
    method: str
    source: Any = None
    fs: str | None = None
    path: str | None = None
    hash: tuple[str, str] | None = None
    transport: str = "payload"
    wit: str | None = None
    imports: tuple[str, ...] = ()
    pool: PoolConfig = field(default_factory=PoolConfig)
    max_execution_ms: int = 0
    #: hard cap on each instance's linear memory (`memory.grow` past it returns -1); 0 = none
    max_memory_bytes: int = DEFAULT_MAX_MEMORY_BYTES
    #: an instance whose memory is above this after a call is recycled; 0 = never
    max_retained_memory_bytes: int = DEFAULT_MAX_RETAINED_MEMORY_BYTES
    wasi: dict[str, Any] = field(default_factory=dict)


def _fail(entry: Entry, message: str, field_name: str | None = None) -> ValidationError:
    return entry.error(ValidationError, message, field_name)  # type: ignore[return-value]


def parse_wasm_config(entry: Entry, *, binary: bool, runtime: Any = None) -> WasmConfig:
    """The entry's WASM fields, checked; unknown fields are warned about on `runtime`."""
    d = entry.data
    warn_unknown_fields(entry, _KNOWN_FIELDS, runtime)
    if binary:
        for name in ("fs", "path", "hash"):
            if not d.get(name):
                raise _fail(entry, f"{name} is required", name)
    elif not d.get("source"):
        raise _fail(entry, "source is required", "source")
    method = d.get("method")
    if not method:
        if entry.kind == "process.wasm":
            method = "main"  # Wippy's process lifecycle defaults it
        else:
            raise _fail(entry, "method is required", "method")
    if not isinstance(method, str):
        raise _fail(entry, "method must be a string", "method")
    transport = d.get("transport", "") or ""
    if transport not in TRANSPORTS:
        raise _fail(entry, f"invalid transport type: {transport!r} (expected payload or wasi-http)",
                    "transport")
    imports = d.get("imports") or []
    if not isinstance(imports, list):
        raise _fail(entry, "imports must be a list of host import names", "imports")
    for item in imports:
        if not isinstance(item, str) or not item.strip():
            raise _fail(entry, f"import {item!r} cannot be empty", "imports")
    try:
        pool = PoolConfig.from_data(d.get("pool"))
    except PoolConfigError as exc:
        raise _fail(entry, str(exc), "pool") from None
    limits = read_limits(entry, d)
    max_ms = limit_value(entry, limits, "max_execution_ms", 0)
    max_mem = limit_value(entry, limits, "max_memory_bytes", DEFAULT_MAX_MEMORY_BYTES)
    retained = limit_value(entry, limits, "max_retained_memory_bytes",
                      DEFAULT_MAX_RETAINED_MEMORY_BYTES)
    hash_value = None
    if binary:
        raw_hash = d.get("hash")
        m = _HASH.match(raw_hash) if isinstance(raw_hash, str) else None
        if not m:
            raise _fail(entry, f"invalid hash format {raw_hash!r}: expected sha256:<hex>", "hash")
        algorithm, digest = m.group(1).lower(), m.group(2).lower()
        if algorithm != "sha256":
            raise _fail(entry, f"unsupported hash algorithm {algorithm!r} (only sha256)", "hash")
        if len(digest) != 64:
            raise _fail(entry, f"invalid hash format: sha256 digest must be 64 hex digits, "
                        f"got {len(digest)}", "hash")
        hash_value = (algorithm, digest)
    wit = d.get("wit")
    if wit is not None and not isinstance(wit, str):
        raise _fail(entry, "wit must be a string", "wit")
    wasi = d.get("wasi") or {}
    _validate_wasi(entry, wasi)
    return WasmConfig(method=method, source=d.get("source"), fs=d.get("fs"), path=d.get("path"),
                      hash=hash_value, transport=transport or "payload", wit=wit,
                      imports=tuple(i.strip() for i in imports), pool=pool,
                      max_execution_ms=max_ms, max_memory_bytes=max_mem,
                      max_retained_memory_bytes=retained, wasi=wasi)


def read_limits(entry: Entry, d: dict[str, Any]) -> dict[str, Any]:
    """`limits`, in either spelling: at the root (ours) or under `options` (Wippy's); both
    may appear, the root's keys win."""
    options = d.get("options")
    nested = options.get("limits") if isinstance(options, dict) else None
    root = d.get("limits")
    for value in (root, nested):
        if value is not None and not isinstance(value, dict):
            raise _fail(entry, "limits must be a mapping", "limits")
    return {**(nested or {}), **(root or {})}


def limit_value(entry: Entry, limits: dict[str, Any], name: str, default: int) -> int:
    """`limits.<name>`: a non-negative integer, or `default` when absent."""
    value = limits.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail(entry, f"limits.{name} must be a non-negative integer", "limits")
    return value


def _validate_wasi(entry: Entry, wasi: Any) -> None:
    if not isinstance(wasi, dict):
        raise _fail(entry, "wasi must be a mapping", "wasi")
    cwd = wasi.get("cwd")
    if cwd is not None and (not isinstance(cwd, str) or not cwd.startswith("/")):
        raise _fail(entry, "wasi.cwd must be absolute", "wasi")
    # shapes first: the resolution below iterates these and must not meet an int or a map
    for key in ("args", "env", "mounts"):
        value = wasi.get(key)
        if value is not None and not isinstance(value, list):
            raise _fail(entry, f"wasi.{key} must be a list, got {type(value).__name__}", "wasi")
    for i, arg in enumerate(wasi.get("args") or []):
        if not isinstance(arg, (str, int, float)) or isinstance(arg, bool):
            raise _fail(entry, f"wasi.args[{i}] must be a string, got {type(arg).__name__}",
                        "wasi")
    names: set[str] = set()
    for item in wasi.get("env") or []:
        if not isinstance(item, dict) or not item.get("id") or not item.get("name"):
            raise _fail(entry, "wasi.env entries need id and name", "wasi")
        name = str(item["name"]).strip()
        if name in names:
            raise _fail(entry, f"wasi.env name {name!r} is duplicated", "wasi")
        names.add(name)
    guests: set[str] = set()
    for item in wasi.get("mounts") or []:
        if not isinstance(item, dict) or not item.get("fs") or not item.get("guest"):
            raise _fail(entry, "wasi.mounts entries need fs and guest", "wasi")
        guest = str(item["guest"])
        if not guest.startswith("/"):
            raise _fail(entry, f"wasi mount guest path {guest!r} must be absolute", "wasi")
        clean = posixpath.normpath(guest)
        if clean in guests:
            raise _fail(entry, f"wasi mount guest path {clean!r} is duplicated", "wasi")
        guests.add(clean)
