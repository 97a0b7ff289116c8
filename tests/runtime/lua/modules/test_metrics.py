"""The `metrics` module from real Lua: what it records is read back from the runtime's
Metrics; labels keep only string values; a bad name or value is Lua's argument error."""

from __future__ import annotations

import pytest
from lua_modules_helpers import run
from wippy_runtime.errors import CallError
from wippy_runtime.metrics import metrics_of


def test_counters_gauges_histograms_are_recorded(runtime):
    out = run(runtime, """
return { main = function()
  local r = {}
  r[1] = metrics.counter_inc("req", { method = "GET" })
  metrics.counter_inc("req", { method = "GET" })
  metrics.counter_add("req", 5, { method = "POST", ignored = 7 })
  metrics.gauge_set("queue", 10)
  metrics.gauge_inc("queue")
  metrics.gauge_dec("queue")
  metrics.gauge_dec("queue")
  metrics.histogram("latency", 0.2)
  metrics.histogram("latency", 3)
  local ok, err = metrics.histogram("latency", 0)
  r[2] = ok
  r[3] = err == nil
  return r
end }""", modules=["metrics"])
    assert out == [True, True, True]
    m = metrics_of(runtime)
    assert m.value("counter", "req", {"method": "GET"}) == 2
    assert m.value("counter", "req", {"method": "POST"}) == 5  # the number label is ignored
    assert m.value("gauge", "queue") == 9
    hist = m.value("histogram", "latency")
    assert hist.count == 3 and hist.sum == pytest.approx(3.2) and hist.max == 3
    snap = m.snapshot()
    assert {"name": "queue", "labels": {}, "value": 9} in snap["gauges"]


def test_metrics_are_per_runtime(runtime, tmp_path):
    from wippy_runtime import Runtime
    run(runtime, 'return { main = function() metrics.counter_inc("only_here") end }',
        modules=["metrics"])
    other = Runtime(cache_dir=tmp_path / "other")
    try:
        assert metrics_of(other).value("counter", "only_here") is None
    finally:
        other.close()
    assert metrics_of(runtime).value("counter", "only_here") == 1


def test_bad_arguments_raise_naming_the_function(runtime):
    with pytest.raises(CallError, match=r"bad argument #1 to 'metrics.counter_inc' "
                                        r"\(string expected, got nil\)"):
        run(runtime, "return { main = function() metrics.counter_inc() end }",
            modules=["metrics"])
    with pytest.raises(CallError, match=r"bad argument #2 to 'metrics.gauge_set' "
                                        r"\(number expected, got table\)"):
        run(runtime, 'return { main = function() metrics.gauge_set("g", {}) end }',
            modules=["metrics"])
