"""The adaptive pool: elastic up to max_size, idle instances expire, warm_start makes one."""

from __future__ import annotations

import threading

from wippy_runtime.scheduler.pool_config import EXPLICIT_ELASTIC_MAX
from wippy_runtime.scheduler.pools import AdaptivePool

from .pool_helpers import pool_of, wait_for


def test_without_warm_start_it_starts_empty():
    pool, made, _ = pool_of({"type": "adaptive"})
    assert isinstance(pool, AdaptivePool) and made == []
    assert pool.plan.max_instances == EXPLICIT_ELASTIC_MAX


def test_warm_start_makes_one_instance_at_load():
    pool, made, _ = pool_of({"type": "adaptive", "warm_start": True})
    assert len(made) == 1 and pool.stats().idle == 1
    assert pool.invoke((7,)) == (1, (7,))
    assert len(made) == 1


def test_grows_with_concurrent_calls_up_to_max_size():
    pool, made, _ = pool_of({"type": "adaptive", "max_size": 3})
    gates = [threading.Event() for _ in range(3)]
    threads = [threading.Thread(target=pool.invoke, args=((g,),)) for g in gates]
    for t in threads:
        t.start()
    wait_for(lambda: pool.stats().busy >= 3)
    assert len(made) == 3
    for g in gates:
        g.set()
    for t in threads:
        t.join(5)
    assert pool.stats().instances == 3


def test_idle_instances_expire():
    pool, _, log = pool_of({"type": "adaptive", "warm_start": True})
    pool.idle_timeout_s = 1e-9
    pool.invoke(())
    assert log == ["close 1"]
