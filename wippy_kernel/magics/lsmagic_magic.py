"""`%lsmagic`: list the magics."""

from __future__ import annotations

import inspect

from ..display import records_bundle
from .base import Magic, MagicContext


class LsmagicMagic(Magic):
    """List the available line (`%`) and cell (`%%`) magics. `%name?` shows a magic's help."""

    name = "lsmagic"

    def run(self, ctx: MagicContext, line: str, body: str | None) -> None:
        from . import registry

        rows = [[("%%" if m.cell else "%") + m.name,
                 (inspect.getdoc(m) or "").split("\n", 1)[0]] for m in registry().values()]
        ctx.display(records_bundle(["magic", "summary"], rows))


MAGIC = LsmagicMagic()
