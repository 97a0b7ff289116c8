"""`%entries`: list the session's entries."""

from __future__ import annotations

from ..display import records_bundle
from .base import Magic, MagicContext


class EntriesMagic(Magic):
    """List every entry (id, kind, method, signature, pool); failed ones show their error."""

    name = "entries"

    def run(self, ctx: MagicContext, line: str, body: str | None) -> None:
        self.parse(line)
        rows = [[i.id, i.kind, i.method, i.signature or i.detail.get("error"), i.pool]
                for i in ctx.session.runtime.describe()]
        ctx.display(records_bundle(["id", "kind", "method", "signature", "pool"], rows,
                                   empty="no entries defined"))


MAGIC = EntriesMagic()
