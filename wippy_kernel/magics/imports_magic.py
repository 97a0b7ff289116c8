"""`%imports [ns:name]`: what WASM entries import, linked to a real host or stubbed."""

from __future__ import annotations

import argparse

from .base import Magic, MagicContext, MagicError, entry_id_arg


class ImportsMagic(Magic):
    """Show the declared host profiles (`imports:`) against each of the module's own imports,
    linked to a real host or stubbed, with the profile to add for each stub (a call to a stub
    fails naming it). Without an id: every WASM entry. A widget by default (an HTML table in
    viewers without widgets); --text prints plain text. For a Lua entry: its modules and
    imported libraries.

        %imports
        %imports ns:name
        %imports ns:name --text
    """

    name = "imports"

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("id", type=entry_id_arg, nargs="?", default=None,
                       help="entry id ns:name (default: every WASM entry)")
        p.add_argument("--text", action="store_true", help="print plain text instead")
        p.add_argument("--widget", action="store_true",
                       help="show the widget (the default; kept for old notebooks)")

    def run(self, ctx: MagicContext, line: str, body: str | None) -> None:
        from ..widgets import ImportsWidget, imports_reports
        from ..widgets.imports import reports_text

        args = self.parse(line)
        try:
            reports = imports_reports(ctx.session.runtime, args.id)
        except KeyError:
            raise MagicError("NotFound", f"{args.id}: no such entry") from None
        if args.id is not None and not reports[0].rows and not reports[0].error:
            lua = self._lua_rows(ctx, args.id)
            if lua is not None:
                ctx.stdout(lua)
                return
        if args.text:
            ctx.stdout(reports_text(reports) + "\n")
            return
        ctx.display(ImportsWidget(reports).display_bundle())

    def _lua_rows(self, ctx: MagicContext, entry_id: str) -> str | None:
        """A Lua entry's modules and libraries (it has no host imports to link)."""
        info = next(i for i in ctx.session.runtime.describe() if i.id == entry_id)
        if "module" in info.detail:
            return None
        lines = [f"{entry_id} ({info.kind})"]
        lines += [f"  module   {m}" for m in info.detail.get("modules", [])]
        libs = info.detail.get("imports") or {}
        if isinstance(libs, dict):
            lines += [f"  library  {a} = {ref}" for a, ref in libs.items()]
        if len(lines) == 1:
            lines.append("  imports nothing")
        return "\n".join(lines) + "\n"


MAGIC = ImportsMagic()
