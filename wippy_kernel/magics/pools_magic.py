"""`%pools`: worker pool statistics, as a live widget (with an HTML fallback) or plain text."""

from __future__ import annotations

import argparse

from .base import Magic, MagicContext


class PoolsMagic(Magic):
    """Show each callable entry's pool as a live widget: busy/instances as a bar, calls,
    calls per second, errors, mean, p95 and last call time, re-read every 0.5 s while the
    view is open. Viewers without widgets (nbconvert, GitHub) show the same table as HTML;
    --text prints it as plain text.

        %pools
        %pools --text
    """

    name = "pools"

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--text", action="store_true", help="print a plain-text table instead")
        p.add_argument("--widget", action="store_true",
                       help="show the widget (the default; kept for old notebooks)")

    def run(self, ctx: MagicContext, line: str, body: str | None) -> None:
        args = self.parse(line)
        from ..widgets import REFRESHER, PoolsWidget
        from ..widgets.pools import pools_text

        if args.text:
            ctx.stdout(pools_text(ctx.session.runtime.pool_stats()) + "\n")
            return
        widget = PoolsWidget(ctx.session.runtime)
        ctx.display(widget.display_bundle())
        REFRESHER.watch(widget)


MAGIC = PoolsMagic()
