"""The `metrics` module: counters, gauges and histograms recorded into the runtime's Metrics.

Every function answers `true, nil`. The name must be a string and values numbers (Lua's own
argument errors otherwise, as in Wippy); labels are an optional table of which only string keys
with string values count, the rest is ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...metrics import metrics_of
from ._common import bad_argument, build, check_string, is_table, text

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState


def _labels(value: Any) -> dict[str, str] | None:
    if not is_table(value):
        return None
    return {text(k): text(v) for k, v in value.items()
            if isinstance(k, bytes) and isinstance(v, bytes)}


def _number(value: Any, fn: str, n: int) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if isinstance(value, bytes):
            try:
                return float(value)
            except ValueError:
                pass
        raise bad_argument(fn, n, "number", value)
    return float(value)


def install(state: LuaState, runtime: LuaHost) -> None:
    store = metrics_of(runtime)

    def name_of(value: Any, fn: str) -> str:
        return text(check_string(value, f"metrics.{fn}", 1))

    def counter_inc(name: Any = None, labels: Any = None, *_: Any) -> Any:
        store.counter_add(name_of(name, "counter_inc"), 1.0, _labels(labels))
        return True, None

    def counter_add(name: Any = None, value: Any = None, labels: Any = None, *_: Any) -> Any:
        key = name_of(name, "counter_add")
        store.counter_add(key, _number(value, "metrics.counter_add", 2), _labels(labels))
        return True, None

    def gauge_set(name: Any = None, value: Any = None, labels: Any = None, *_: Any) -> Any:
        key = name_of(name, "gauge_set")
        store.gauge_set(key, _number(value, "metrics.gauge_set", 2), _labels(labels))
        return True, None

    def gauge_inc(name: Any = None, labels: Any = None, *_: Any) -> Any:
        store.gauge_add(name_of(name, "gauge_inc"), 1.0, _labels(labels))
        return True, None

    def gauge_dec(name: Any = None, labels: Any = None, *_: Any) -> Any:
        store.gauge_add(name_of(name, "gauge_dec"), -1.0, _labels(labels))
        return True, None

    def histogram(name: Any = None, value: Any = None, labels: Any = None, *_: Any) -> Any:
        key = name_of(name, "histogram")
        store.observe(key, _number(value, "metrics.histogram", 2), _labels(labels))
        return True, None

    state.bind("metrics", build(state, {
        fn.__name__: fn
        for fn in (counter_inc, counter_add, gauge_set, gauge_inc, gauge_dec, histogram)}))
