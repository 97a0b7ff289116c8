"""`%trace`: record and show call traces (nested calls with arguments, results, timings)."""

from __future__ import annotations

import argparse

from .base import Magic, MagicContext


class TraceMagic(Magic):
    """Record every call between entries and show them as trees, newest last:
    which entry called which, with what arguments, what came back (or the error) and how
    long it took. Tracing is off until `%trace on` and costs nothing while off.

        %trace on        start recording
        %trace           show the recorded trees (also `%trace show --last 5`)
        %trace clear     forget what was recorded
        %trace off       stop recording
    """

    name = "trace"

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("action", nargs="?", default="show",
                       choices=("on", "off", "show", "clear"))
        p.add_argument("--last", type=int, default=None, help="show only the last N trees")

    def run(self, ctx: MagicContext, line: str, body: str | None) -> None:
        args = self.parse(line)
        tracer = ctx.session.runtime.tracer
        if args.action == "on":
            tracer.start()
            ctx.stdout("tracing on: calls are recorded until %trace off\n")
        elif args.action == "off":
            tracer.stop()
            ctx.stdout("tracing off\n")
        elif args.action == "clear":
            tracer.clear()
            ctx.stdout("trace cleared\n")
        else:
            text = tracer.render(limit=args.last)
            state = "on" if tracer.enabled else "off (%trace on to record)"
            ctx.stdout((text + "\n") if text else f"no calls recorded; tracing is {state}\n")


MAGIC = TraceMagic()
