"""`%%writefile PATH`: write the cell body to a file (IPython's magic of the same name)."""

from __future__ import annotations

import argparse

from .base import Magic, MagicContext, MagicError


class WritefileMagic(Magic):
    """Write the cell body to PATH (relative to the notebook's working directory), creating
    its folders; with --append, add to the end. A project edited this way is what `%load DIR
    --watch` picks up, so a notebook can change a Wippy project's files and watch the running
    entries follow.

        %%writefile build/demo/_index.yaml
        namespace: demo
        entries: []
    """

    name = "writefile"
    cell = True

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("path", help="file to write")
        p.add_argument("--append", "-a", action="store_true", help="append instead of replacing")

    def run(self, ctx: MagicContext, line: str, body: str | None) -> None:
        args = self.parse(line)
        path = (ctx.cwd / args.path).resolve()
        text = body or ""
        if not text.endswith("\n"):
            text += "\n"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a" if args.append else "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as exc:
            raise MagicError("OSError", f"%%writefile {args.path}: {exc.strerror}") from None
        verb = "appended to" if args.append else "wrote"
        ctx.stdout(f"{verb} {args.path} ({len(text.splitlines())} lines)\n")


MAGIC = WritefileMagic()
