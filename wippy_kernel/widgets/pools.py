"""The worker-pools widget: one row per callable entry, kept current by `live.REFRESHER`.

Each row is an `HBox` of small widgets (labels and an `IntProgress` for busy/instances), so a
refresh changes single values and ipywidgets sends only those; the DOM classes
(`wippy-pool-row`, `wippy-pool-calls`, ...) let tests and users' CSS find the cells. The bar is
busy out of the instances that exist (a lazy pool allowed 100 instances that has made two
shows 1/2 while one works, not 1/100); calls per second come from the refresher's successive
readings, drawn as a small sparkline. When the kernel stops, the heading says the view is no
longer live.
"""

from __future__ import annotations

import html
import threading
import time
from collections import deque
from typing import Any

import ipywidgets as W
from wippy_runtime.scheduler.pools import PoolStats

from .theme import MUTED, OK, STYLE, bundle

#: (column key, header, width): the row cells in order
COLUMNS: list[tuple[str, str, str]] = [
    ("entry", "entry", "170px"), ("generation", "gen", "40px"), ("type", "type", "60px"),
    ("instances", "busy / instances", "165px"), ("queued", "queued", "55px"),
    ("calls", "calls", "60px"), ("rate", "calls/s", "150px"), ("errors", "errors", "50px"),
    ("mean", "mean", "78px"), ("p95", "p95", "78px"), ("last", "last", "78px"),
]

#: what each header means (tooltips in the widget, `title` in the HTML table)
HELP = {
    "gen": "generation: 1 for the first definition, +1 each time the entry is replaced; the "
           "old generation finishes its running calls, then retires",
    "busy / instances": "instances running a call now / instances that exist (the bar); the "
                        "pool may grow up to its max",
    "calls/s": "calls per second over the last refreshes (0.5 s apart)",
    "p95": "95th percentile of the last 256 call durations",
    "queued": "calls waiting for a free instance",
}

SPARK = "▁▂▃▄▅▆▇█"
#: rate samples kept per row
SPARK_LEN = 20


def fmt_duration(us: float | None) -> str:
    """Microseconds as a short human string: `850.2 µs`, `12.40 ms`, `1.250 s`, or `-`."""
    if us is None:
        return "-"
    if us < 1000:
        return f"{us:.1f} µs"
    if us < 1_000_000:
        return f"{us / 1000:.2f} ms"
    return f"{us / 1_000_000:.3f} s"


def sparkline(rates: list[float]) -> str:
    """`▁▃█ 12.0/s`: the recent rates scaled to the largest, then the latest one."""
    if not rates:
        return "-"
    top = max(rates)
    bars = "".join(SPARK[min(len(SPARK) - 1, int(r / top * (len(SPARK) - 1) + 0.5))] if top
                   else SPARK[0] for r in rates)
    last = rates[-1]
    return f"{bars} {last:.0f}/s" if last >= 10 else f"{bars} {last:.1f}/s"


class RateMeter:
    """Calls per second of one pool, from successive (time, calls) readings."""

    def __init__(self, calls: int) -> None:
        self.last: tuple[float, int] = (time.monotonic(), calls)
        self.rates: deque[float] = deque(maxlen=SPARK_LEN)

    def sample(self, calls: int) -> None:
        now = time.monotonic()
        t0, c0 = self.last
        if now - t0 < 0.2:
            return
        rate = max(0, calls - c0) / (now - t0)
        if rate == 0 and self.rates and not any(self.rates):
            return  # idle and already flat: no change, no traffic
        self.rates.append(rate)
        self.last = (now, calls)


def row_values(s: PoolStats, rates: list[float] | None = None) -> dict[str, str]:
    """The text of each cell of one pool's row (the progress bar uses the raw numbers)."""
    return {
        "entry": s.entry + (" (retired)" if s.retired else ""),
        "generation": str(s.generation),
        "type": s.type,
        "instances": f"{s.busy}/{s.instances}",
        "busy": str(s.busy),
        "queued": str(s.queued),
        "calls": str(s.calls),
        "rate": sparkline(rates or []),
        "errors": str(s.errors),
        "mean": fmt_duration(s.mean_us if s.calls else None),
        "p95": fmt_duration(s.p95_ns / 1000 if s.calls else None),
        "last": fmt_duration(s.last_ns / 1000 if s.calls else None),
    }


def pools_text(stats: list[PoolStats]) -> str:
    """The plain-text table (`%pools --text`, and the text/plain of the display)."""
    headers = ["entry", "gen", "type", "busy/inst", "max", "queued", "calls", "errors", "mean",
               "p95"]
    rows = []
    for s in stats:
        v = row_values(s)
        rows.append([v["entry"], v["generation"], v["type"], v["instances"],
                     str(s.max_instances), v["queued"], v["calls"], v["errors"], v["mean"],
                     v["p95"]])
    if not rows:
        return "no pools (no callable entries)"
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
              for r in rows]
    return "\n".join(lines) + "\n(gen: generation, +1 each time the entry is replaced)"


def pools_html(stats: list[PoolStats], note: str) -> str:
    """The HTML table (the fallback for viewers without widgets)."""
    e = html.escape
    head = "".join(f"<th title='{e(HELP.get(h, ''), quote=True)}'>{e(h)}</th>"
                   for _k, h, _w in COLUMNS)
    body = []
    for s in stats:
        v = row_values(s)
        pct = 100 * s.busy // max(1, s.instances)
        cells = []
        for key, _h, _w in COLUMNS:
            if key == "instances":
                cells.append(f"<td><span class='wippy-meter'><span style='width:{pct}%'></span>"
                             f"</span>{e(v[key])} <span class='wippy-muted'>(max "
                             f"{s.max_instances})</span></td>")
            elif key == "errors" and s.errors:
                cells.append(f"<td class='wippy-err'>{e(v[key])}</td>")
            else:
                cells.append(f"<td>{e(v[key])}</td>")
        body.append(f"<tr class='wippy-pool-row'>{''.join(cells)}</tr>")
    if not body:
        body = [f"<tr><td colspan='{len(COLUMNS)}'><i>no pools (no callable entries)</i>"
                "</td></tr>"]
    return (f"<div class='wippy-ins wippy-pools-html'><div>{_summary(stats)} "
            f"<span class='wippy-muted'>{e(note)}</span></div><table><thead><tr>{head}</tr>"
            f"</thead><tbody>{''.join(body)}</tbody></table></div>")


class PoolRow(W.HBox):
    """One pool: labels plus a busy/instances progress bar.

    Every widget is created with its values and DOM classes, so the `comm_open` a front end
    gets is already complete; later changes go out as updates from `update()`."""

    def __init__(self, stats: PoolStats, layouts: dict[str, W.Layout]) -> None:
        self.meter = RateMeter(stats.calls)
        values = row_values(stats)
        self.cells: dict[str, W.Label] = {}
        self.bar = W.IntProgress(**_bar_state(stats), min=0, layout=W.Layout(width="90px"),
                                 tooltip=_bar_tooltip(stats))
        children: list[W.Widget] = []
        for key, _header, _width in COLUMNS:
            label = W.Label(value=values[key], _dom_classes=_classes(key, stats),
                            layout=layouts[key] if key != "instances" else W.Layout())
            self.cells[key] = label
            if key == "instances":
                children.append(W.HBox([self.bar, label], layout=layouts[key]))
            else:
                children.append(label)
        super().__init__(children, _dom_classes=("wippy-pool-row",))

    def update(self, s: PoolStats) -> None:
        self.meter.sample(s.calls)
        values = row_values(s, list(self.meter.rates))
        for key, label in self.cells.items():
            label.value = values[key]
        for name, value in _bar_state(s).items():
            setattr(self.bar, name, value)
        self.bar.tooltip = _bar_tooltip(s)
        errors = self.cells["errors"]
        classes = _classes("errors", s)
        if tuple(errors._dom_classes) != classes:
            errors._dom_classes = classes

    def close(self) -> None:
        for child in (*self.cells.values(), self.bar, *self.children):
            child.close()
        super().close()


def _classes(key: str, s: PoolStats) -> tuple[str, ...]:
    if key == "errors" and s.errors:
        return ("wippy-pool-errors", "wippy-has-errors")
    return (f"wippy-pool-{key}",)


def _bar_state(s: PoolStats) -> dict[str, Any]:
    """busy out of the instances that exist: a lazy pool with max 100 and one instance reads
    as a full bar while that instance works, not as 1/100."""
    top = max(1, s.instances)
    style = "danger" if s.errors else ("warning" if s.queued else "")
    return {"max": top, "value": min(s.busy, top), "bar_style": style}


def _bar_tooltip(s: PoolStats) -> str:
    return (f"{s.busy} busy of {s.instances} instance(s); {s.type} pool, up to "
            f"{s.max_instances}")


class PoolsWidget(W.VBox):
    """`%pools`: every pool of `runtime`; `refresh()` re-reads `pool_stats()`."""

    children: tuple[Any, ...]  # the VBox trait, declared for mypy (ipywidgets is untyped)

    def __init__(self, runtime: Any, **kwargs: Any) -> None:
        self._runtime = runtime
        self._lock = threading.Lock()
        self._layouts = {key: W.Layout(width=width) for key, _h, width in COLUMNS}
        self._rows: dict[str, PoolRow] = {}
        stats = runtime.pool_stats()
        self.stats = stats
        self.heading = W.HTML(value=_heading(stats, LIVE), _dom_classes=("wippy-pools-title",))
        self._header = W.HBox([
            W.HTML(f"<b title='{html.escape(HELP.get(h, ''), quote=True)}'"
                   + (" style='border-bottom:1px dotted;cursor:help'" if h in HELP else "")
                   + f">{html.escape(h)}</b>", layout=self._layouts[key])
            for key, h, _w in COLUMNS])
        self.empty = W.HTML("<i>no pools (no callable entries)</i>")
        super().__init__([self.heading, self._header, *self._sync_rows(stats)],
                         _dom_classes=("wippy-pools", "wippy-ins"), **kwargs)

    def _sync_rows(self, stats: list[PoolStats]) -> list[W.Widget]:
        """Create, update and drop rows to match `stats`; the rows in order."""
        seen = []
        for s in stats:
            row = self._rows.get(s.entry)
            if row is None:
                self._rows[s.entry] = PoolRow(s, self._layouts)
            else:
                row.update(s)
            seen.append(s.entry)
        for gone in set(self._rows) - set(seen):
            self._rows.pop(gone).close()
        return [self._rows[e] for e in seen] or [self.empty]

    def refresh(self) -> None:
        """Re-read the pools; add, update and drop rows (only changed values are sent)."""
        stats = self._runtime.pool_stats()
        with self._lock:
            if self.comm is None:  # closed meanwhile
                return
            rows = self._sync_rows(stats)
            self.heading.value = _heading(stats, LIVE)
            children = (self.heading, self._header, *rows)
            if tuple(self.children) != children:
                self.children = children

    def stopped(self) -> None:
        """The kernel is going away: say so instead of claiming to be live."""
        with self._lock:
            if self.comm is not None:
                self.heading.value = _heading(self._runtime.pool_stats(), STOPPED)

    def display_bundle(self) -> dict[str, Any]:
        when = time.strftime("%H:%M:%S")
        return bundle(self, pools_html(self.stats, f"snapshot at {when}; live in JupyterLab"),
                      pools_text(self.stats))

    def close(self) -> None:
        """Close the rows' widgets too (the refresher drops a view without a comm)."""
        with self._lock:
            for row in self._rows.values():
                row.close()
            self._rows.clear()
        super().close()


LIVE = f"<span style='color:{OK}'>&#9679; live</span> (re-read every 0.5 s)"
STOPPED = (f"<span style='color:{MUTED}'>&#9675; not live: the kernel that drew this stopped;"
           " run %pools again for a live view</span>")


def _summary(stats: list[PoolStats]) -> str:
    busy = sum(s.busy for s in stats)
    queued = sum(s.queued for s in stats)
    return f"<b>{len(stats)} pool(s)</b>, {busy} busy, {queued} queued"


def _heading(stats: list[PoolStats], state: str) -> str:
    return f"{STYLE}{_summary(stats)} {state}"
