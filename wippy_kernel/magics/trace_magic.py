"""`%trace` and `%%trace`: record and show call traces (nested calls with arguments, results,
timings), as a widget with an HTML fallback, or as text."""

from __future__ import annotations

import argparse

from .base import Magic, MagicContext, MagicError


class TraceMagic(Magic):
    """Record every call between entries and show them as trees, newest first: which entry
    called which, with what arguments, what came back (or the error) and how long it took.
    Tracing is off until `%trace on` and costs nothing while off. As a cell magic, `%%trace`
    runs the rest of the cell with tracing on and shows the calls that cell made.

        %trace on        start recording (an open %trace view then updates live)
        %trace           show the recorded trees (also `%trace --last 5`, `--text`)
        %trace clear     forget what was recorded
        %trace off       stop recording
        %%trace          run this cell traced, then show its calls
    """

    name = "trace"
    cell = True
    line_too = True

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("action", nargs="?", default="show",
                       choices=("on", "off", "show", "clear"),
                       help="on / off: start or stop recording; show (default); clear")
        p.add_argument("--last", type=int, default=None, help="show only the last N trees")
        p.add_argument("--entry", default="", help="only trees that call this entry")
        p.add_argument("--text", action="store_true", help="print indented text instead")
        p.add_argument("--widget", action="store_true",
                       help="show the widget (the default; kept for old notebooks)")

    def run(self, ctx: MagicContext, line: str, body: str | None) -> None:
        args = self.parse(line)
        tracer = ctx.session.runtime.tracer
        if body is not None:
            self._run_traced(ctx, args, body)
            return
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
            self._show(ctx, args)

    def _show(self, ctx: MagicContext, args: argparse.Namespace,
              since_id: int | None = None) -> None:
        from ..widgets import REFRESHER, TraceWidget
        from ..widgets.trace import select, trace_text

        tracer = ctx.session.runtime.tracer
        if args.text:
            roots = select(tracer.trees(), entry_filter=args.entry, limit=args.last,
                           since_id=since_id)
            state = "on" if tracer.enabled else "off (%trace on to record)"
            text = trace_text(roots)
            ctx.stdout((text + "\n") if text else f"no calls recorded; tracing is {state}\n")
            return
        widget = TraceWidget(tracer, limit=args.last, since_id=since_id)
        if args.entry:
            widget.filter.value = args.entry
        ctx.display(widget.display_bundle())
        if tracer.enabled:
            REFRESHER.watch(widget)

    def _run_traced(self, ctx: MagicContext, args: argparse.Namespace, body: str) -> None:
        if ctx.run_body is None:
            raise MagicError("UsageError", "%%trace: this front end cannot run a cell body")
        tracer = ctx.session.runtime.tracer
        trees = tracer.trees()
        since = trees[-1].id if trees else 0
        was_on = tracer.enabled
        tracer.start()
        try:
            result = ctx.run_body(body, ctx.body_line)
        finally:
            if not was_on:
                tracer.stop()
        if result is not None:
            ctx.display(result)
        self._show(ctx, args, since_id=since)


MAGIC = TraceMagic()
