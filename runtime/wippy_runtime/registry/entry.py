"""The registry entry: an ID, a kind, meta, and the kind's fields at the root (Wippy's shape)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import LoadError
from .ids import resolve_ref

FILE_SCHEME = "file://"


@dataclass(frozen=True)
class Origin:
    """Where an entry was defined, for error messages and `file://` resolution.

    `base_dir` resolves `file://` sources (the YAML file's directory, or the notebook's);
    `root` resolves `fs.directory` paths (the project root given to the loader).
    `field_lines` maps a field name to its line in `file`.
    """

    file: str | None = None
    line: int | None = None
    base_dir: Path = field(default_factory=Path.cwd)
    root: Path = field(default_factory=Path.cwd)
    field_lines: tuple[tuple[str, int], ...] = ()

    def line_of(self, field_name: str) -> int | None:
        for name, line in self.field_lines:
            if name == field_name:
                return line
        return self.line


@dataclass
class Entry:
    id: str
    kind: str
    meta: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    origin: Origin = field(default_factory=Origin)

    @property
    def namespace(self) -> str:
        return self.id.split(":", 1)[0]

    @property
    def name(self) -> str:
        return self.id.split(":", 1)[1]

    def ref(self, value: str) -> str:
        """Resolve a reference made by this entry (bare names are in its namespace)."""
        return resolve_ref(value, self.namespace)

    def error(self, cls: type[LoadError], message: str, field_name: str | None = None,
              line: int | None = None, **kw: Any) -> LoadError:
        """Build an error that names this entry, its file and the line of `field_name`."""
        if line is None:
            line = self.origin.line_of(field_name) if field_name else self.origin.line
        return cls(message, entry=self.id, file=self.origin.file, line=line, field=field_name,
                   **kw)

    def source_text(self, field_name: str = "source") -> tuple[str, Path | None]:
        """The text of a `source`-like field: inline, or read from `file://path`.

        Returns (text, path) where path is the file read, or None for inline text.
        """
        value = self.data.get(field_name)
        if not isinstance(value, str):
            raise self.error(LoadError, f"{field_name} must be a string", field_name)
        if not value.startswith(FILE_SCHEME):
            return value, None
        rel = value[len(FILE_SCHEME):]
        path = (self.origin.base_dir / rel).resolve()
        root = self.origin.root.resolve()
        if self.origin.file is not None and not path.is_relative_to(root):
            # A project loaded from disk is self-contained: its `..` or absolute paths must
            # not pull arbitrary host files into an entry (or into error messages). Entries
            # defined in place (`Runtime.define`, a notebook's %%yaml) may name any file
            # their author can read anyway.
            raise self.error(LoadError, f"{field_name}: {value} escapes the project directory "
                             f"{root}", field_name)
        try:
            return path.read_text(encoding="utf-8"), path
        except FileNotFoundError:
            raise self.error(LoadError, f"{field_name}: file not found: {value} (looked at {path})",
                             field_name) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise self.error(LoadError, f"{field_name}: cannot read {value}: {exc}",
                             field_name) from None

    def to_definition(self) -> dict[str, Any]:
        """The entry as it appears in `_index.yaml` (name, kind, meta, then kind fields)."""
        out: dict[str, Any] = {"name": self.name, "kind": self.kind}
        if self.meta:
            out["meta"] = self.meta
        out.update(self.data)
        return out
