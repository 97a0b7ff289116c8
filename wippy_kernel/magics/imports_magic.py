"""`%imports ns:name`: what an entry imports (host imports, module imports, libraries)."""

from __future__ import annotations

import argparse

from ..display import records_bundle
from .base import Magic, MagicContext, MagicError, entry_id_arg


class ImportsMagic(Magic):
    """Show an entry's imports: for WASM, the declared host profiles (`imports:`) and each of
    the module's own imports, linked to a real host or stubbed (a call to a stub fails with
    the profile to add); for Lua, its modules and imported libraries."""

    name = "imports"

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("id", type=entry_id_arg, help="entry id ns:name")

    def run(self, ctx: MagicContext, line: str, body: str | None) -> None:
        args = self.parse(line)
        info = next((i for i in ctx.session.runtime.describe() if i.id == args.id), None)
        if info is None:
            raise MagicError("NotFound", f"{args.id}: no such entry")
        detail = info.detail
        host = detail.get("imports") if "module" in detail else None
        if isinstance(host, dict):  # a WASM entry: declared profiles, linked vs stubbed imports
            rows = [["declared", i] for i in host.get("declared", [])]
            rows += [["linked", i] for i in host.get("linked", [])]
            rows += [["stubbed", i] for i in host.get("stubbed", [])]
        else:
            rows = [["declared", i] for i in info.imports]
            rows += [["module", m] for m in detail.get("modules", [])]
            libs = detail.get("imports") or {}
            rows += [["library", f"{a} = {ref}"] for a, ref in libs.items()]
        ctx.display(records_bundle(["source", "import"], rows,
                                   empty=f"{args.id} ({info.kind}) imports nothing"))


MAGIC = ImportsMagic()
