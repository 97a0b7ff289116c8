"""`%pools [--widget]`: worker pool statistics, as a table or an ipywidgets view."""

from __future__ import annotations

import argparse
import html
from typing import Any

from ..display import records_bundle
from .base import Magic, MagicContext

HEADERS = ["entry", "gen", "type", "max", "instances", "busy", "queued", "calls", "errors",
           "avg µs"]


def pool_rows(ctx: MagicContext) -> list[list[Any]]:
    return [[s.entry, s.generation, s.type, s.max_instances, s.instances, s.busy, s.queued,
             s.calls, s.errors, f"{s.total_ns / s.calls / 1000:.1f}" if s.calls else "-"]
            for s in ctx.session.runtime.pool_stats()]


class PoolsMagic(Magic):
    """Show each callable entry's pool: type, instances, busy, queued, calls, errors and
    the mean call time. With --widget, an ipywidgets view (a title and an HTML table)."""

    name = "pools"

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--widget", action="store_true", help="show as an ipywidgets widget")

    def run(self, ctx: MagicContext, line: str, body: str | None) -> None:
        args = self.parse(line)
        bundle = records_bundle(HEADERS, pool_rows(ctx), empty="no pools (no callable entries)")
        if not args.widget:
            ctx.display(bundle)
            return
        import ipywidgets as widgets

        title = widgets.HTML(value=f"<b>{html.escape(str(len(pool_rows(ctx))))} pool(s)</b>")
        table = widgets.HTML(value=bundle["text/html"])
        box = widgets.VBox([title, table])
        ctx.display(box._repr_mimebundle_())


MAGIC = PoolsMagic()
