"""ipywidgets views of the runtime: live worker pools, WASI imports per entry, and call-trace
trees, each displayed with an HTML fallback for viewers without widgets (`theme.bundle`).
One module per widget; each reads the runtime's public snapshots (`pool_stats()`,
`describe()`, `tracer.trees()`), so `wippy_runtime` never imports Jupyter code. `live` holds
the one background thread that keeps displayed pool and trace widgets current.
"""

from __future__ import annotations

from .imports import ImportsWidget, imports_reports
from .live import REFRESHER, LiveRefresher
from .pools import PoolsWidget
from .trace import TraceWidget, trace_html

__all__ = ["REFRESHER", "ImportsWidget", "LiveRefresher", "PoolsWidget", "TraceWidget",
           "imports_reports", "trace_html"]
