"""`%lsmagic`: list the magics."""

from __future__ import annotations

import inspect
import re

from ..display import records_bundle
from .base import Magic, MagicContext


def first_sentence(doc: str) -> str:
    """The docstring's first sentence, whole (it may span lines): up to the first `. `."""
    paragraph = " ".join(doc.strip().split("\n\n", 1)[0].split())
    m = re.search(r"(?<=[.!?])\s", paragraph)
    return paragraph[:m.start()] if m else paragraph


class LsmagicMagic(Magic):
    """List the available line (`%`) and cell (`%%`) magics. `%name?` shows a magic's help."""

    name = "lsmagic"

    def run(self, ctx: MagicContext, line: str, body: str | None) -> None:
        from . import registry

        rows = [[" ".join(m.forms), first_sentence(inspect.getdoc(m) or "")]
                for m in registry().values()]
        ctx.display(records_bundle(["magic", "what it does"], rows))


MAGIC = LsmagicMagic()
