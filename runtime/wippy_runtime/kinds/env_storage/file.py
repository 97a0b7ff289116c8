"""`env.storage.file`: a `.env` file (`KEY=value` lines, `#` comments), read on every lookup.

`file_path` (relative to the definition's directory), `auto_create` (create the file and its
directory on the first write), `file_mode`/`dir_mode` (defaults 0644/0755). A write rewrites
the file through a temporary file and a rename, keeping other lines and trailing comments.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from ...errors import ValidationError
from ...registry import Entry
from ..base import BuildContext
from . import EnvStorage


def parse_line(line: str) -> tuple[str, str] | None:
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    if "#" in line:
        line = line[:line.index("#")].strip()
    key, sep, value = line.partition("=")
    if not sep:
        return None
    return key.strip(), value.strip()


class FileStorage(EnvStorage):
    def __init__(self, entry: Entry, path: Path, auto_create: bool, file_mode: int,
                 dir_mode: int) -> None:
        super().__init__(entry)
        self.path = path
        self.auto_create = auto_create
        self.file_mode = file_mode
        self.dir_mode = dir_mode
        self._lock = threading.Lock()

    def _lines(self) -> list[str]:
        try:
            return self.path.read_text().splitlines()
        except FileNotFoundError:
            return []

    def get(self, key: str) -> str | None:
        for line in self._lines():
            parsed = parse_line(line)
            if parsed and parsed[0] == key:
                return parsed[1]
        return None

    def list(self) -> dict[str, str]:
        return dict(p for p in map(parse_line, self._lines()) if p)

    def _write(self, key: str, value: str | None) -> None:
        with self._lock:
            if self.auto_create and not self.path.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=self.dir_mode)
            out: list[str] = []
            done = False
            for line in self._lines():
                parsed = parse_line(line)
                if parsed and parsed[0] == key:
                    done = True
                    if value is not None:
                        comment = line[line.index("#"):] if "#" in line else ""
                        out.append(f"{key}={value} {comment}".rstrip())
                    continue
                out.append(line)
            if not done and value is not None:
                out.append(f"{key}={value}")
            tmp = self.path.with_name(self.path.name + ".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, self.file_mode)
            with os.fdopen(fd, "w") as f:
                f.write("".join(line + "\n" for line in out))
            os.replace(tmp, self.path)

    def set(self, key: str, value: str) -> None:
        self._write(key, value)

    def delete(self, key: str) -> None:
        self._write(key, None)


def build_file_storage(entry: Entry, ctx: BuildContext) -> FileStorage:
    raw = entry.data.get("file_path")
    if not raw or not isinstance(raw, str):
        raise entry.error(ValidationError, "file_path is required", "file_path")
    path = Path(raw)
    if not path.is_absolute():
        path = entry.origin.base_dir / path
    modes = []
    for name, default in (("file_mode", 0o644), ("dir_mode", 0o755)):
        mode = entry.data.get(name, default)
        if isinstance(mode, bool) or not isinstance(mode, int):
            raise entry.error(ValidationError, f"{name} must be an integer", name)
        modes.append(mode or default)
    auto = entry.data.get("auto_create", False)
    if not isinstance(auto, bool):
        raise entry.error(ValidationError, "auto_create must be true or false", "auto_create")
    return FileStorage(entry, path, auto, modes[0], modes[1])
