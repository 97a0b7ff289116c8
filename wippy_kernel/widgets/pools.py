"""The worker-pools widget: one row per callable entry, kept current by `live.REFRESHER`.

Each row is an `HBox` of small widgets (labels and an `IntProgress` for instances/max), so a
refresh changes single values and ipywidgets sends only those; the DOM classes
(`wippy-pool-row`, `wippy-pool-calls`, ...) let tests and users' CSS find the cells.
"""

from __future__ import annotations

import html
import threading
from typing import Any

import ipywidgets as W
from wippy_runtime.scheduler.pools import PoolStats

#: (column key, header, width): the row cells in order
COLUMNS: list[tuple[str, str, str]] = [
    ("entry", "entry", "180px"), ("generation", "gen", "40px"), ("type", "type", "70px"),
    ("instances", "instances / max", "170px"), ("busy", "busy", "45px"),
    ("queued", "queued", "62px"), ("calls", "calls", "70px"), ("errors", "errors", "55px"),
    ("mean", "mean", "80px"), ("last", "last", "80px"),
]


def fmt_duration(us: float | None) -> str:
    """Microseconds as a short human string: `850.2 µs`, `12.40 ms`, `1.250 s`, or `-`."""
    if us is None:
        return "-"
    if us < 1000:
        return f"{us:.1f} µs"
    if us < 1_000_000:
        return f"{us / 1000:.2f} ms"
    return f"{us / 1_000_000:.3f} s"


def row_values(s: PoolStats) -> dict[str, str]:
    """The text of each cell of one pool's row (the progress bar uses the raw numbers)."""
    return {
        "entry": s.entry + (" (retired)" if s.retired else ""),
        "generation": str(s.generation),
        "type": s.type,
        "instances": f"{s.instances}/{s.max_instances}",
        "busy": str(s.busy),
        "queued": str(s.queued),
        "calls": str(s.calls),
        "errors": str(s.errors),
        "mean": fmt_duration(s.mean_us if s.calls else None),
        "last": fmt_duration(s.last_ns / 1000 if s.calls else None),
    }


class PoolRow(W.HBox):
    """One pool: labels plus an instances/max progress bar.

    Every widget is created with its values and DOM classes, so the `comm_open` a front end
    gets is already complete; later changes go out as updates from `update()`."""

    def __init__(self, stats: PoolStats, layouts: dict[str, W.Layout]) -> None:
        values = row_values(stats)
        self.cells: dict[str, W.Label] = {}
        self.bar = W.IntProgress(**_bar_state(stats), min=0, layout=W.Layout(width="110px"))
        children: list[W.Widget] = []
        for key, _header, _width in COLUMNS:
            label = W.Label(value=values[key], _dom_classes=(f"wippy-pool-{key}",),
                            layout=layouts[key] if key != "instances" else W.Layout(),
                            style=_label_style(key, stats))
            self.cells[key] = label
            if key == "instances":
                children.append(W.HBox([self.bar, label], layout=layouts[key]))
            else:
                children.append(label)
        super().__init__(children, _dom_classes=("wippy-pool-row",))

    def update(self, s: PoolStats) -> None:
        values = row_values(s)
        for key, label in self.cells.items():
            label.value = values[key]
        for name, value in _bar_state(s).items():
            setattr(self.bar, name, value)
        self.cells["errors"].style.text_color = _label_style("errors", s)["text_color"]

    def close(self) -> None:
        for child in (*self.cells.values(), self.bar, *self.children):
            child.close()
        super().close()


def _bar_state(s: PoolStats) -> dict[str, Any]:
    top = max(1, s.max_instances)
    style = "danger" if s.errors else ("warning" if s.queued else "")
    return {"max": top, "value": min(s.instances, top), "bar_style": style}


def _label_style(key: str, s: PoolStats) -> dict[str, Any]:
    """Errors show in red once there are any."""
    return {"text_color": "#c62828" if key == "errors" and s.errors else None}


class PoolsWidget(W.VBox):
    """`%pools --widget`: every pool of `runtime`; `refresh()` re-reads `pool_stats()`."""

    children: tuple[Any, ...]  # the VBox trait, declared for mypy (ipywidgets is untyped)

    def __init__(self, runtime: Any, **kwargs: Any) -> None:
        self._runtime = runtime
        self._lock = threading.Lock()
        self._layouts = {key: W.Layout(width=width) for key, _h, width in COLUMNS}
        self._rows: dict[str, PoolRow] = {}
        stats = runtime.pool_stats()
        self.heading = W.HTML(value=_heading(stats), _dom_classes=("wippy-pools-title",))
        self._header = W.HBox([W.HTML(f"<b>{html.escape(h)}</b>", layout=self._layouts[key])
                               for key, h, _w in COLUMNS])
        self.empty = W.HTML("<i>no pools (no callable entries)</i>")
        super().__init__([self.heading, self._header, *self._sync_rows(stats)],
                         _dom_classes=("wippy-pools",), **kwargs)

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
            self.heading.value = _heading(stats)
            children = (self.heading, self._header, *rows)
            if tuple(self.children) != children:
                self.children = children

    def close(self) -> None:
        """Close the rows' widgets too (the refresher drops a view without a comm)."""
        with self._lock:
            for row in self._rows.values():
                row.close()
            self._rows.clear()
        super().close()


def _heading(stats: list[PoolStats]) -> str:
    busy = sum(s.busy for s in stats)
    queued = sum(s.queued for s in stats)
    return (f"<b>{len(stats)} pool(s)</b>, {busy} busy, {queued} queued "
            "<span style='color:#2e7d32'>&#9679; live</span>")
