"""`fs.directory`: a host directory other entries read files from (WASM binaries, mounts).

Paths inside it are resolved without ever leaving it: `..` and absolute tricks are rejected,
so an entry's `path:` can only name files below the declared directory.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import LoadError, ValidationError
from ..registry import Entry
from .base import BuildContext, EntryInfo, Resource


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


def build_fs_directory(entry: Entry, ctx: BuildContext) -> FsDirectory:
    directory = entry.data.get("directory")
    if not directory or not isinstance(directory, str):
        raise entry.error(ValidationError, "directory is required", "directory")
    # Wippy resolves `directory` against the project root; a path next to the YAML file is
    # accepted too, since small examples often write it that way.
    module_root = _module_root(entry)
    candidates = ([(module_root / directory).resolve()] if module_root is not None else []) + [
        (entry.origin.root / directory).resolve(), (entry.origin.base_dir / directory).resolve()]
    for candidate in candidates:
        if candidate.is_dir():
            return FsDirectory(entry, candidate)
    if entry.data.get("auto_init"):
        # Wippy creates the directory (with `mode`, default 0755) when asked to.
        mode = _mode(entry)
        try:
            candidates[0].mkdir(mode=mode, parents=True, exist_ok=True)
        except OSError as exc:
            raise entry.error(LoadError, f"auto_init: cannot create {candidates[0]}: "
                              f"{exc.strerror or exc}", "directory") from None
        return FsDirectory(entry, candidates[0])
    tried = ", ".join(dict.fromkeys(str(c) for c in candidates))
    raise entry.error(LoadError, f"directory {directory!r} does not exist (tried {tried})",
                      "directory")


def _mode(entry: Entry) -> int:
    """`mode:` as an octal string ("0755"); 0o755 when absent."""
    mode = entry.data.get("mode")
    if mode is None or mode == "":
        return 0o755
    try:
        return int(str(mode), 8)
    except ValueError:
        raise entry.error(ValidationError, f"mode {mode!r} is not an octal file mode such as "
                          "\"0755\"", "mode") from None


def _module_root(entry: Entry) -> Path | None:
    """The root of the module that owns `entry`, when it comes from one: Wippy resolves a
    module's relative `directory` against the module (a `replacements: [{from:, to:}]` target
    of the project's `wippy.lock`), not against the project that uses it."""
    if entry.origin.file is None or entry.data.get("base") == "project":
        return None
    lock = entry.origin.root / "wippy.lock"
    try:
        data = yaml.safe_load(lock.read_text(encoding="utf-8")) if lock.is_file() else None
    except (OSError, yaml.YAMLError):
        return None
    file = Path(entry.origin.file).resolve()
    for rep in (data or {}).get("replacements") or [] if isinstance(data, dict) else []:
        to = rep.get("to") if isinstance(rep, dict) else None
        if isinstance(to, str):
            root = (entry.origin.root / to).resolve()
            if root in file.parents:
                return root
    return None
