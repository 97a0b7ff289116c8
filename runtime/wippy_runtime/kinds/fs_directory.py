"""`fs.directory`: a host directory other entries read files from (WASM binaries, mounts).

Paths inside it are resolved without ever leaving it: `..` and absolute tricks are rejected,
so an entry's `path:` can only name files below the declared directory.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import LoadError, ValidationError
from ..registry import Entry
from .base import BuildContext, EntryInfo, Resource, warn_unknown_fields


class FsDirectory(Resource):
    kind = "fs.directory"

    def __init__(self, entry: Entry, root: Path) -> None:
        super().__init__(entry)
        self.root = root

    def resolve(self, path: str, *, for_entry: Entry, field_name: str = "path") -> Path:
        rel = path.lstrip("/")
        target = (self.root / rel).resolve()
        if target != self.root and self.root not in target.parents:
            raise for_entry.error(LoadError, f"path {path!r} escapes filesystem {self.entry.id}",
                                  field_name)
        return target

    def read_bytes(self, path: str, *, for_entry: Entry, field_name: str = "path") -> bytes:
        target = self.resolve(path, for_entry=for_entry, field_name=field_name)
        try:
            return target.read_bytes()
        except FileNotFoundError:
            raise for_entry.error(LoadError, f"file {path!r} not found in filesystem "
                                  f"{self.entry.id} ({target})", field_name) from None
        except OSError as exc:
            raise for_entry.error(LoadError, f"cannot read {path!r} from {self.entry.id}: "
                                  f"{exc.strerror or exc}", field_name) from None

    def info(self) -> EntryInfo:
        return EntryInfo(self.entry.id, self.kind, detail={"directory": str(self.root)})


_KNOWN = {"directory", "mode", "type", "base", "auto_init", "lifecycle"}


def build_fs_directory(entry: Entry, ctx: BuildContext) -> FsDirectory:
    warn_unknown_fields(entry, _KNOWN, ctx.runtime)
    directory = entry.data.get("directory")
    if not directory or not isinstance(directory, str):
        raise entry.error(ValidationError, "directory is required", "directory")
    auto_init = entry.data.get("auto_init", False)
    if not isinstance(auto_init, bool):
        raise entry.error(ValidationError, "auto_init must be true or false", "auto_init")
    mode = _mode(entry)
    # Wippy resolves `directory` against the project root (a module's entries: the module's
    # root); a path next to the YAML file is accepted too, since small examples write it so.
    candidates = [(entry.origin.root / directory).resolve(),
                  (entry.origin.base_dir / directory).resolve()]
    for candidate in candidates:
        if candidate.is_dir():
            return FsDirectory(entry, candidate)
    if auto_init:
        # `auto_init: true` asks for the directory to be created (with its parents).
        target = candidates[0]
        try:
            target.mkdir(mode=mode, parents=True, exist_ok=True)
        except OSError as exc:
            raise entry.error(LoadError, f"auto_init: cannot create directory {directory!r} "
                              f"({target}): {exc.strerror or exc}", "directory") from None
        return FsDirectory(entry, target)
    tried = ", ".join(dict.fromkeys(str(c) for c in candidates))
    raise entry.error(LoadError, f"directory {directory!r} does not exist (tried {tried}; "
                      "`auto_init: true` creates it)", "directory")


def _mode(entry: Entry) -> int:
    """`mode: "0755"` (octal text, Wippy's default 0755) for directories auto_init creates."""
    raw = entry.data.get("mode")
    if raw is None:
        return 0o755
    try:
        return int(str(raw), 8)
    except ValueError:
        raise entry.error(ValidationError, f"mode must be an octal permission like \"0755\", "
                          f"got {raw!r}", "mode") from None
