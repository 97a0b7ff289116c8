"""In-process metrics of one Runtime: counters, gauges and histograms with string labels.

What Lua's `metrics` module records lands here, so Python hosts (tests, the kernel, an
exporter) can read it with `metrics_of(runtime).snapshot()`. A series is a name plus its label
set; histograms keep count, sum, min, max and cumulative counts over fixed buckets (the
Prometheus default buckets), not every observation, so memory stays bounded.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: upper bounds of the histogram buckets (seconds-oriented, as Prometheus' defaults)
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

SeriesKey = tuple[str, tuple[tuple[str, str], ...]]


@dataclass
class Histogram:
    count: int = 0
    sum: float = 0.0
    min: float = float("inf")
    max: float = float("-inf")
    buckets: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))

    def observe(self, value: float) -> None:
        self.count += 1
        self.sum += value
        self.min = min(self.min, value)
        self.max = max(self.max, value)
        self.buckets[bisect.bisect_left(BUCKETS, value)] += 1


def _key(name: str, labels: Mapping[str, str] | None) -> SeriesKey:
    return name, tuple(sorted((labels or {}).items()))


class Metrics:
    """Thread-safe: Lua instances on worker threads record concurrently."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counters: dict[SeriesKey, float] = {}
        self.gauges: dict[SeriesKey, float] = {}
        self.histograms: dict[SeriesKey, Histogram] = {}

    def counter_add(self, name: str, value: float, labels: Mapping[str, str] | None = None) -> None:
        key = _key(name, labels)
        with self._lock:
            self.counters[key] = self.counters.get(key, 0.0) + value

    def gauge_set(self, name: str, value: float, labels: Mapping[str, str] | None = None) -> None:
        with self._lock:
            self.gauges[_key(name, labels)] = value

    def gauge_add(self, name: str, delta: float, labels: Mapping[str, str] | None = None) -> None:
        key = _key(name, labels)
        with self._lock:
            self.gauges[key] = self.gauges.get(key, 0.0) + delta

    def observe(self, name: str, value: float, labels: Mapping[str, str] | None = None) -> None:
        key = _key(name, labels)
        with self._lock:
            hist = self.histograms.get(key)
            if hist is None:
                hist = self.histograms[key] = Histogram()
            hist.observe(value)

    def value(self, kind: str, name: str, labels: Mapping[str, str] | None = None) -> Any:
        """One series' current value (`kind`: counter, gauge or histogram), None if unseen."""
        tables: dict[str, dict[Any, Any]] = {"counter": self.counters, "gauge": self.gauges,
                                             "histogram": self.histograms}
        table = tables[kind]
        with self._lock:
            return table.get(_key(name, labels))

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """Every series as plain data: {"counters": [{name, labels, value}], ...}."""
        with self._lock:
            def rows(table: Mapping[SeriesKey, Any]) -> list[dict[str, Any]]:
                return [{"name": n, "labels": dict(lb), "value": v}
                        for (n, lb), v in sorted(table.items())]
            return {"counters": rows(self.counters), "gauges": rows(self.gauges),
                    "histograms": [{"name": n, "labels": dict(lb), "count": h.count,
                                    "sum": h.sum, "min": h.min, "max": h.max,
                                    "buckets": dict(zip([*BUCKETS, float("inf")], h.buckets,
                                                        strict=True))}
                                   for (n, lb), h in sorted(self.histograms.items())]}


_BY_RUNTIME: weakref.WeakKeyDictionary[Any, Metrics] = weakref.WeakKeyDictionary()
_CREATE = threading.Lock()


def metrics_of(runtime: Any) -> Metrics:
    """The Metrics of `runtime` (created on first use, gone with the runtime)."""
    found = _BY_RUNTIME.get(runtime)
    if found is None:
        with _CREATE:
            found = _BY_RUNTIME.get(runtime)
            if found is None:
                found = _BY_RUNTIME[runtime] = Metrics()
    return found
