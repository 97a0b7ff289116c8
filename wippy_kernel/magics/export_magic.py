"""`%export DIR`: write the session's entries as a Wippy project that `%load` reads back."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml
from wippy_runtime.registry import Entry

from ..display import records_bundle
from .base import LANG_EXT, Magic, MagicContext, MagicError

#: Fields holding source text that are written to their own file.
SOURCE_FIELDS = ("source",)


class ExportMagic(Magic):
    """Write every entry defined in this session under DIR: one `DIR/<namespace>/_index.yaml`
    per namespace, with WAT and Lua sources as `file://` files next to it. `%load DIR` in a
    fresh kernel defines the same entries.

        %export build/project
    """

    name = "export"

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("path", help="output directory (created if missing)")

    def run(self, ctx: MagicContext, line: str, body: str | None) -> None:
        args = self.parse(line)
        root = (ctx.cwd / args.path).resolve()
        entries = ctx.session.runtime.entries
        if not entries:
            raise MagicError("ExportError", "nothing to export: no entries are defined")
        written = export_project(entries.values(), root)
        ctx.display(records_bundle(["file", "entries"],
                                   [[str(p.relative_to(root)), n] for p, n in written]))


def export_project(entries: Any, root: Path) -> list[tuple[Path, int]]:
    """Write `entries` under `root`; return (index file, entry count) per namespace."""
    by_ns: dict[str, list[Entry]] = {}
    for entry in entries:
        by_ns.setdefault(entry.namespace, []).append(entry)
    out: list[tuple[Path, int]] = []
    for ns, group in sorted(by_ns.items()):
        folder = root / ns
        folder.mkdir(parents=True, exist_ok=True)
        defs = []
        for entry in sorted(group, key=lambda e: e.id):
            d = entry.to_definition()
            ext = LANG_EXT.get(entry.kind)
            for field_name in SOURCE_FIELDS:
                if ext and isinstance(d.get(field_name), str):
                    text, _ = entry.source_text(field_name)
                    name = f"{entry.name}.{ext}"
                    (folder / name).write_text(text, encoding="utf-8")
                    d[field_name] = f"file://{name}"
            if entry.kind == "fs.directory" and isinstance(d.get("directory"), str):
                d["directory"] = str((entry.origin.base_dir / d["directory"]).resolve())
            defs.append(d)
        index = folder / "_index.yaml"
        index.write_text(yaml.safe_dump({"version": "1.0", "namespace": ns, "entries": defs},
                                        sort_keys=False, allow_unicode=True), encoding="utf-8")
        out.append((index, len(defs)))
    return out


MAGIC = ExportMagic()
