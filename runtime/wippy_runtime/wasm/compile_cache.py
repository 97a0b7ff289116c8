"""On-disk cache of compiled modules and components.

wasmtime's `deserialize` trusts its input completely (it maps machine code), so a cache entry is
only used when the digest stored with it matches its bytes; the key covers the wasm bytes, the
engine settings, the wasmtime version and the platform, so a different engine never sees
another engine's code. A corrupt or stale file is deleted and rebuilt, never trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
WASMTIME_VERSION = version("wasmtime")
_DIGEST = 32
_MAGIC = b"WIPPYCW1"


def default_cache_dir() -> Path:
    env = os.environ.get("WIPPY_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wippy-kernel" / "compiled"


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    rejected: int = 0
    write_errors: int = 0


class CompileCache:
    def __init__(self, directory: Path | None, engine_fingerprint: str) -> None:
        self.directory = directory
        self.fingerprint = engine_fingerprint
        self.stats = CacheStats()

    def key(self, what: str, wasm: bytes) -> str:
        h = hashlib.sha256()
        for part in (_MAGIC, what.encode(), self.fingerprint.encode(),
                     WASMTIME_VERSION.encode(),
                     platform.machine().encode(), platform.system().encode()):
            h.update(part)
            h.update(b"\0")
        h.update(hashlib.sha256(wasm).digest())
        return h.hexdigest()

    def get_or_compile(self, what: str, wasm: bytes, compile_fn: Callable[[], T],
                       deserialize_fn: Callable[[bytes], T], serialize_fn: Callable[[T], bytes]) -> T:
        """Return the compiled object for `wasm`, from the cache when a verified entry exists."""
        if self.directory is None:
            self.stats.misses += 1
            return compile_fn()
        path = self.directory / f"{self.key(what, wasm)}.cwasm"
        blob = self._read_verified(path)
        if blob is not None:
            try:
                obj = deserialize_fn(blob)
                self.stats.hits += 1
                return obj
            except Exception:
                self._reject(path)
        self.stats.misses += 1
        obj = compile_fn()
        try:
            self._write(path, serialize_fn(obj))
        except Exception:
            self.stats.write_errors += 1
        return obj

    def _read_verified(self, path: Path) -> bytes | None:
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        head = len(_MAGIC) + _DIGEST
        if len(raw) < head or raw[:len(_MAGIC)] != _MAGIC:
            self._reject(path)
            return None
        digest, blob = raw[len(_MAGIC):head], raw[head:]
        if hashlib.sha256(blob).digest() != digest:
            self._reject(path)
            return None
        return blob

    def _reject(self, path: Path) -> None:
        self.stats.rejected += 1
        with contextlib.suppress(OSError):
            path.unlink()

    def _write(self, path: Path, blob: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".cwasm")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_MAGIC + hashlib.sha256(blob).digest() + blob)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
