"""`%%yaml`: define entries from YAML in `_index.yaml` form (or a bare list + --namespace)."""

from __future__ import annotations

import argparse

from ..display import source_bundle
from ..session import load_error
from .base import Magic, MagicContext, MagicError


class YamlMagic(Magic):
    """Define one or many entries from YAML, exactly as in a Wippy `_index.yaml`:

        %%yaml
        version: "1.0"
        namespace: demo
        entries:
          - name: hello
            kind: function.lua
            method: main
            source: |
              return { main = function() return "hi" end }

    A bare list of entries needs --namespace. `file://` sources are relative to the
    notebook's working directory. Each failing entry is reported with its cell line; the
    others are still defined.
    """

    name = "yaml"
    cell = True

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--namespace", help="namespace for a bare list of entries")

    def run(self, ctx: MagicContext, line: str, body: str | None) -> None:
        args = self.parse(line)
        text = body or ""
        rt = ctx.session.runtime
        warnings_before = len(rt.warnings)
        report = rt.load_text(text, base_dir=ctx.cwd, file=None, namespace=args.namespace)
        defined = [e for e in report.entries if e.id in rt.built and rt.built[e.id].entry is e]
        if defined:
            ctx.display(source_bundle(text, "yaml", "defined: " +
                                      ", ".join(e.id for e in defined)))
        for warning in rt.warnings[warnings_before:]:
            ctx.stderr(f"warning: {warning}\n")
        if not report.entries and not report.errors:
            raise MagicError("LoadError", "no entries found (expected `namespace:` and "
                             "`entries:`, or a bare list with --namespace)")
        if report.errors:
            errs = [load_error(e, body=text, body_line=ctx.body_line,
                               line_in_body=getattr(e, "line", None)) for e in report.errors]
            tb = [line for e in errs for line in e.traceback]
            raise MagicError("LoadError", "; ".join(e.evalue for e in errs), tb)


MAGIC = YamlMagic()
