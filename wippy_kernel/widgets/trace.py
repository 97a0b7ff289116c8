"""The call-trace widget: recorded call trees as nested, collapsible `<details>` blocks.

One `HTML` widget holds the whole tree (a model per span would cost a comm per call); the
browser's own `<details>` makes every call collapsible. Each call shows its entry, duration,
arguments and result, or its error highlighted in red (its callers are marked as well, so a
failing leaf is easy to find in a collapsed tree). A Refresh button re-reads the tracer.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W
from wippy_runtime.tracing import Span

from .pools import fmt_duration

ERROR_COLOR = "#c62828"
STYLE = (
    "<style>"
    ".wippy-trace{line-height:1.45}"
    ".wippy-trace details{margin-left:1.2em;border-left:1px solid #ccc;padding-left:.4em}"
    ".wippy-trace summary{cursor:pointer;font-family:monospace;white-space:pre-wrap}"
    ".wippy-trace .wippy-span-error>summary{color:" + ERROR_COLOR + ";font-weight:bold}"
    ".wippy-trace .wippy-span-body{font-family:monospace;margin:.1em 0 .2em 1.2em;"
    "color:#555;white-space:pre-wrap}"
    ".wippy-trace .wippy-span-err{color:" + ERROR_COLOR + "}"
    "</style>"
)


def _failed_below(span: Span) -> bool:
    return span.error is not None or any(_failed_below(c) for c in span.children)


def span_html(span: Span, depth: int = 0) -> str:
    """One call and its children; calls at the first two levels and failing paths start open."""
    e = html.escape
    took = fmt_duration(span.duration_us) if span.end_ns is not None else "running"
    failed = _failed_below(span)
    if span.error is not None:
        outcome = f"!! {span.error_kind}: {span.error}"
    elif span.end_ns is None:
        outcome = "…"
    else:
        outcome = f"-> {span.result}"
    classes = "wippy-span" + (" wippy-span-error" if span.error is not None else "")
    opened = " open" if depth < 2 or failed else ""
    summary = f"{e(span.entry)}({e(span.args)}) {e(outcome)}  [{e(took)}]"
    body = [f"<div class='wippy-span-body'>kind: {e(span.kind)} · thread: {e(span.thread)}",
            f"\nargs: {e(span.args) or '(none)'}"]
    if span.error is not None:
        body.append(f"\n<span class='wippy-span-err'>error ({e(span.error_kind or '?')}): "
                    f"{e(span.error)}</span>")
    elif span.end_ns is not None:
        body.append(f"\nresult: {e(span.result or '')}")
    body.append("</div>")
    children = "".join(span_html(c, depth + 1) for c in span.children)
    mark = " style='color:" + ERROR_COLOR + "'" if failed and span.error is None else ""
    return (f"<details class='{classes}'{opened}><summary{mark}>{summary}</summary>"
            f"{''.join(body)}{children}</details>")


def trace_html(roots: list[Span]) -> str:
    """Every tree, newest last, inside a `.wippy-trace` block with its own styles."""
    if not roots:
        return f"{STYLE}<div class='wippy-trace'><i>no calls recorded</i></div>"
    return f"{STYLE}<div class='wippy-trace'>{''.join(span_html(r) for r in roots)}</div>"


def count_spans(roots: list[Span]) -> tuple[int, int]:
    """(calls, failed calls) in the trees."""
    calls = errors = 0
    stack = list(roots)
    while stack:
        span = stack.pop()
        calls += 1
        errors += span.error is not None
        stack.extend(span.children)
    return calls, errors


class TraceWidget(W.VBox):
    """`%trace --widget`: a heading, the trees, and a Refresh button (re-reads the tracer)."""

    def __init__(self, tracer: Any, limit: int | None = None, **kwargs: Any) -> None:
        self._tracer = tracer
        self._limit = limit
        heading, tree = self._render()
        self.heading = W.HTML(value=heading)
        self.tree = W.HTML(value=tree, _dom_classes=("wippy-trace-tree",))
        self.button = W.Button(description="Refresh", icon="refresh",
                               tooltip="re-read the recorded calls",
                               layout=W.Layout(width="110px"))
        self.button.on_click(lambda _b: self.refresh())
        super().__init__([W.HBox([self.heading, self.button]), self.tree],
                         _dom_classes=("wippy-traces",), **kwargs)

    def refresh(self) -> None:
        """Re-read the tracer (the Refresh button)."""
        self.heading.value, self.tree.value = self._render()

    def _render(self) -> tuple[str, str]:
        roots = self._tracer.trees()
        if self._limit is not None:
            roots = roots[-self._limit:] if self._limit > 0 else []
        calls, errors = count_spans(roots)
        state = "on" if self._tracer.enabled else "off (%trace on to record)"
        err = (f", <span style='color:{ERROR_COLOR}'><b>{errors} failed</b></span>"
               if errors else "")
        heading = (f"<b>Call traces</b>: {len(roots)} tree(s), {calls} call(s){err}; "
                   f"tracing {html.escape(state)}")
        return heading, trace_html(roots)
