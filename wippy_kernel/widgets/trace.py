"""The call-trace widget: recorded call trees, newest first, as nested `<details>` blocks.

One `HTML` widget holds the trees (a model per span would cost a comm per call); the browser's
own `<details>` makes every call collapsible. Roots with calls start open and deeper calls closed (a
failing path starts open, so an error is never hidden), inside a bounded scrolling box. Each
call shows a duration bar on a time axis shared by every tree in view (the bar starts where the
call started within its tree, and one scale serves all trees, so long and short calls compare
at a glance), its entry, arguments and result, or its error. A filter keeps the trees in which
some call's entry contains the text. While tracing is on, `live.REFRESHER` re-renders the view
when new calls were recorded.
"""

from __future__ import annotations

import html
import threading
from typing import Any

import ipywidgets as W
from wippy_runtime.tracing import Span

from .pools import fmt_duration
from .theme import ACCENT, BORDER, ERROR, MUTED, STYLE, SURFACE, bundle

#: the scrolling box's height
MAX_HEIGHT = "420px"
#: width of a duration bar's track
TRACK_PX = 110
TRACE_STYLE = (
    "<style>"
    ".wippy-trace{line-height:1.45}"
    f".wippy-trace .wippy-trace-scroll{{max-height:{MAX_HEIGHT};overflow:auto;"
    f"border:1px solid {BORDER};padding:2px 4px}}"
    f".wippy-trace details details{{margin-left:1.2em;border-left:1px solid {BORDER};"
    "padding-left:.4em}"
    ".wippy-trace summary{cursor:pointer;font-family:var(--jp-code-font-family,monospace);"
    "white-space:pre-wrap}"
    f".wippy-trace .wippy-span-error>summary{{color:{ERROR};font-weight:bold}}"
    f".wippy-trace .wippy-path-error>summary{{color:{ERROR}}}"
    ".wippy-trace .wippy-span-body{font-family:var(--jp-code-font-family,monospace);"
    f"margin:.1em 0 .2em 1.2em;color:{MUTED};white-space:pre-wrap}}"
    f".wippy-trace .wippy-span-err{{color:{ERROR}}}"
    f".wippy-trace .wippy-track{{display:inline-block;position:relative;width:{TRACK_PX}px;"
    f"height:.7em;background:{SURFACE};vertical-align:middle;margin-right:.5em}}"
    f".wippy-trace .wippy-track>span{{position:absolute;top:0;bottom:0;min-width:1px;"
    f"background:{ACCENT}}}"
    f".wippy-trace .wippy-span-error .wippy-track>span{{background:{ERROR}}}"
    "</style>"
)


def _failed_below(span: Span) -> bool:
    return span.error is not None or any(_failed_below(c) for c in span.children)


def _end(span: Span) -> int:
    return span.end_ns if span.end_ns is not None else span.start_ns


def _bar(span: Span, root: Span, scale_ns: int) -> str:
    left = (span.start_ns - root.start_ns) / scale_ns * 100
    width = (_end(span) - span.start_ns) / scale_ns * 100
    return (f"<span class='wippy-track'><span style='left:{min(left, 100):.1f}%;"
            f"width:{min(width, 100 - min(left, 100)):.1f}%'></span></span>")


def span_html(span: Span, depth: int = 0, root: Span | None = None,
              scale_ns: int | None = None) -> str:
    """One call and its children; roots with calls and failing paths start open, the rest
    closed."""
    e = html.escape
    root = root or span
    scale_ns = scale_ns or max(1, _end(root) - root.start_ns)
    took = fmt_duration(span.duration_us) if span.end_ns is not None else "running"
    failed = _failed_below(span)
    if span.error is not None:
        outcome = f"!! {span.error_kind}: {span.error}"
    elif span.end_ns is None:
        outcome = "…"
    else:
        outcome = f"-> {span.result}"
    classes = "wippy-span"
    if span.error is not None:
        classes += " wippy-span-error"
    elif failed:
        classes += " wippy-path-error"
    # roots show their calls; a leaf's summary already says everything, so it stays closed
    opened = " open" if (depth == 0 and span.children) or failed else ""
    summary = f"{_bar(span, root, scale_ns)}{e(span.entry)}({e(span.args)}) {e(outcome)}  [{e(took)}]"
    body = [f"<div class='wippy-span-body'>kind: {e(span.kind)} · thread: {e(span.thread)}",
            f"\nargs: {e(span.args) or '(none)'}"]
    if span.error is not None:
        body.append(f"\n<span class='wippy-span-err'>error ({e(span.error_kind or '?')}): "
                    f"{e(span.error)}</span>")
    elif span.end_ns is not None:
        body.append(f"\nresult: {e(span.result or '')}")
    body.append("</div>")
    children = "".join(span_html(c, depth + 1, root, scale_ns) for c in span.children)
    return (f"<details class='{classes}'{opened}><summary>{summary}</summary>"
            f"{''.join(body)}{children}</details>")


def _entries(span: Span) -> set[str]:
    out = {span.entry}
    for child in span.children:
        out |= _entries(child)
    return out


def select(roots: list[Span], *, entry_filter: str = "", limit: int | None = None,
           since_id: int | None = None) -> list[Span]:
    """The trees to show, newest first: recorded after `since_id`, with some call's entry
    containing `entry_filter`, at most `limit`."""
    picked = [r for r in roots if since_id is None or r.id > since_id]
    if entry_filter:
        picked = [r for r in picked if any(entry_filter in e for e in _entries(r))]
    picked.reverse()
    if limit is not None:
        picked = picked[:max(0, limit)]
    return picked


def trace_html(roots: list[Span]) -> str:
    """Trees (already in display order) in a bounded `.wippy-trace` box with its styles."""
    if not roots:
        return f"{TRACE_STYLE}<div class='wippy-trace'><i>no calls recorded</i></div>"
    scale = max(max(1, _end(r) - r.start_ns) for r in roots)
    trees = "".join(span_html(r, 0, r, scale) for r in roots)
    return (f"{TRACE_STYLE}<div class='wippy-trace'><div class='wippy-trace-scroll'>{trees}"
            "</div></div>")


def trace_text(roots: list[Span]) -> str:
    """The trees as indented text (`--text`, and the text/plain of the display)."""
    lines: list[str] = []

    def walk(span: Span, depth: int) -> None:
        took = fmt_duration(span.duration_us) if span.end_ns is not None else "running"
        outcome = (f"-> {span.result}" if span.error is None else
                   f"!! {span.error_kind}: {span.error}")
        lines.append(f"{'  ' * depth}{span.entry}({span.args}) {outcome}  [{took}]")
        for child in span.children:
            walk(child, depth + 1)

    for root in roots:
        walk(root, 0)
    return "\n".join(lines)


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


def heading_html(roots: list[Span], tracer: Any) -> str:
    calls, errors = count_spans(roots)
    state = "on (updates live)" if tracer.enabled else "off (%trace on to record)"
    err = f", <span style='color:{ERROR}'><b>{errors} failed</b></span>" if errors else ""
    return (f"<b>Call traces</b>: {len(roots)} tree(s), {calls} call(s){err}; newest first; "
            f"tracing {html.escape(state)}")


class TraceWidget(W.VBox):
    """`%trace`: a heading, an entry filter, the trees, and a Refresh button."""

    def __init__(self, tracer: Any, limit: int | None = None, since_id: int | None = None,
                 **kwargs: Any) -> None:
        self._tracer = tracer
        self._limit = limit
        self._since = since_id
        self._lock = threading.Lock()
        self._seen: tuple[Any, ...] = ()
        heading, tree = self._render()
        self.heading = W.HTML(value=heading)
        self.filter = W.Text(placeholder="filter by entry", continuous_update=True,
                             layout=W.Layout(width="180px"), _dom_classes=("wippy-trace-filter",))
        self.tree = W.HTML(value=tree, _dom_classes=("wippy-trace-tree",))
        self.button = W.Button(description="Refresh", icon="refresh",
                               tooltip="re-read the recorded calls",
                               layout=W.Layout(width="100px"))
        self.button.on_click(lambda _b: self.refresh(force=True))
        self.filter.observe(lambda _c: self.refresh(force=True), names="value")
        super().__init__([W.HBox([self.heading, self.filter, self.button]), self.tree],
                         _dom_classes=("wippy-traces", "wippy-ins"), **kwargs)

    @property
    def roots(self) -> list[Span]:
        text = self.filter.value.strip() if hasattr(self, "filter") else ""
        return select(self._tracer.trees(), entry_filter=text, limit=self._limit,
                      since_id=self._since)

    def _state(self) -> tuple[Any, ...]:
        trees = self._tracer.trees()
        last = trees[-1] if trees else None
        return (len(trees), last.id if last else 0, _end(last) if last else 0,
                count_spans(trees[-1:])[0] if last else 0, self._tracer.enabled)

    def _render(self) -> tuple[str, str]:
        self._seen = self._state()
        roots = self.roots
        return STYLE + heading_html(roots, self._tracer), trace_html(roots)

    def refresh(self, force: bool = False) -> None:
        """Re-render when calls were recorded since the last render (or when asked)."""
        with self._lock:
            if self.comm is None or (not force and self._state() == self._seen):
                return
            self.heading.value, self.tree.value = self._render()

    def display_bundle(self) -> dict[str, Any]:
        roots = self.roots
        text = trace_text(roots) or "no calls recorded"
        return bundle(self, heading_html(roots, self._tracer) + trace_html(roots), text)
