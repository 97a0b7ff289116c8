"""`%load DIR`: load a Wippy project (a directory tree of `_index.yaml` files, or one file)."""

from __future__ import annotations

import argparse

from ..display import records_bundle
from .base import Magic, MagicContext, MagicError


class LoadMagic(Magic):
    """Load every definition under DIR (relative to the notebook's working directory) into
    the session, replacing entries with the same ids. Errors name the file and line; the
    entries that did load stay loaded.

        %load examples/hello
    """

    name = "load"

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("path", help="project directory or YAML file")

    def run(self, ctx: MagicContext, line: str, body: str | None) -> None:
        args = self.parse(line)
        path = (ctx.cwd / args.path).resolve()
        report = ctx.session.runtime.load(path)
        ids = sorted(e.id for e in report.entries)
        ctx.display(records_bundle(["loaded", "from"], [[i, str(path)] for i in ids],
                                   empty=f"no entries found in {path}"))
        if report.errors:
            lines = [f"{e.file or path}:{e.line or '?'}: {getattr(e, 'entry', None) or ''} "
                     f"{getattr(e, 'message', None) or e}".replace("  ", " ")
                     for e in report.errors]
            raise MagicError("LoadError", f"{len(report.errors)} error(s) loading {path}",
                             lines)


MAGIC = LoadMagic()
