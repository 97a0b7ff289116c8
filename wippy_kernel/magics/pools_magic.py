"""`%pools [--widget]`: worker pool statistics, as a table or an ipywidgets view."""

from __future__ import annotations

import argparse
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
    the mean call time. With --widget, a live ipywidgets view: it re-reads the pools every
    0.5 s while it is open (instances/max as a bar, mean and last call time)."""

    name = "pools"

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--widget", action="store_true", help="show as an ipywidgets widget")

    def run(self, ctx: MagicContext, line: str, body: str | None) -> None:
        args = self.parse(line)
        bundle = records_bundle(HEADERS, pool_rows(ctx), empty="no pools (no callable entries)")
        if not args.widget:
            ctx.display(bundle)
            return
        from ..widgets import REFRESHER, PoolsWidget

        widget = PoolsWidget(ctx.session.runtime)
        ctx.display(widget._repr_mimebundle_())
        REFRESHER.watch(widget)


MAGIC = PoolsMagic()
