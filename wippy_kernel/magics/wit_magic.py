"""`%%wit`: store WIT signatures for the next `%%wat` cell that has no --wit."""

from __future__ import annotations

from wippy_runtime.wit import WitError, parse_signatures

from ..display import source_bundle
from .base import Magic, MagicContext, MagicError


class WitMagic(Magic):
    """Store the cell body as WIT signatures; the next `%%wat` cell without --wit uses them
    (the method's signature is picked by name). The text is checked now, so a typo shows
    here, not in the `%%wat` cell.

        %%wit
        add: func(a: s32, b: s32) -> s32
    """

    name = "wit"
    cell = True

    def run(self, ctx: MagicContext, line: str, body: str | None) -> None:
        self.parse(line)
        text = (body or "").strip()
        if not text:
            ctx.session.wit_pending = None
            ctx.stdout("WIT cleared\n")
            return
        try:
            sigs = parse_signatures(text)
        except WitError as exc:
            wit_line = getattr(exc, "line", None)
            where = f" (cell line {ctx.body_line + wit_line - 1})" if wit_line else ""
            raise MagicError("WitError", f"{exc}{where}") from None
        ctx.session.wit_pending = text
        ctx.display(source_bundle(text, "text", "WIT for the next %%wat: " +
                                  ", ".join(str(s) for s in sigs.values())))


MAGIC = WitMagic()
