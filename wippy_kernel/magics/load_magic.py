"""`%load DIR`: load a Wippy project (a directory tree of `_index.yaml` files, or one file)."""

from __future__ import annotations

import argparse

from wippy_runtime.watch import ProjectWatcher

from ..display import records_bundle
from .base import Magic, MagicContext, MagicError


class LoadMagic(Magic):
    """Load every definition under DIR (relative to the notebook's working directory) into
    the session, replacing entries with the same ids. Errors name the file and line; the
    entries that did load stay loaded.

    With --watch, edits to the project's files are picked up while you work: the changed
    entries are replaced live (a failed rebuild keeps the old version) and a one-line notice
    appears in the notebook. `%load DIR --stop` ends watching.

        %load examples/hello
        %load examples/hello --watch
    """

    name = "load"

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("path", help="project directory or YAML file")
        p.add_argument("--watch", action="store_true",
                       help="replace entries live when the project's files change")
        p.add_argument("--stop", action="store_true", help="stop watching DIR")

    def run(self, ctx: MagicContext, line: str, body: str | None) -> None:
        args = self.parse(line)
        path = (ctx.cwd / args.path).resolve()
        session = ctx.session
        if args.stop:
            watcher = session.watchers.pop(path, None)
            if watcher is None:
                raise MagicError("NotFound", f"{path} is not being watched")
            watcher.stop()
            ctx.stdout(f"stopped watching {path}\n")
            return
        report = session.runtime.load(path)
        if args.watch and path not in session.watchers:
            session.watchers[path] = ProjectWatcher(
                session.runtime, path,
                on_change=lambda event: session.notice(f"[watch] {event.summary()}")).start()
            ctx.stdout(f"watching {path} for changes\n")
        ids = sorted(e.id for e in report.entries)
        ctx.display(records_bundle(["loaded", "from"], [[i, str(path)] for i in ids],
                                   empty=f"no entries found in {path}"))
        for warning in report.warnings:  # e.g. unknown fields, which Wippy ignores too
            ctx.stderr(f"warning: {warning}\n")
        if report.errors:
            lines = [f"{e.file or path}:{e.line or '?'}: {getattr(e, 'entry', None) or ''} "
                     f"{getattr(e, 'message', None) or e}".replace("  ", " ")
                     for e in report.errors]
            raise MagicError("LoadError", f"{len(report.errors)} error(s) loading {path}",
                             lines)


MAGIC = LoadMagic()
